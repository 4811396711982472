package io.kaminari.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry's contract, run unchanged on every file system (subclasses give a fresh root per test): numbering,
 * concurrent publishers, aliases and their history (including racing promotions and the layout before the alias log),
 * the promotion gate, rollback, gc, and refusal of corrupt or incompatible artifacts. Param files are a few random
 * bytes; no DJL is needed.
 */
abstract class AbstractModelRegistryContract {
  static final String NAME = "flow-ae";
  static final String PARAMS = "flow-ae-0001.params";
  static final FeatureSpec SPEC = FeatureSpec.seed(Scope.GLOBAL);

  @TempDir java.nio.file.Path work;

  ModelRegistry registry;
  final java.util.concurrent.atomic.AtomicInteger ids = new java.util.concurrent.atomic.AtomicInteger(1000);
  URI root;

  /** A root no other test uses. */
  abstract URI freshRoot();

  abstract Configuration conf();

  @BeforeEach
  void openRegistry() {
    root = freshRoot();
    registry = new ModelRegistry(root, conf());
  }

  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void publishListShowAndLoad() throws IOException {
    java.nio.file.Path dir = modelDir(1);
    ModelManifest published = registry.publish(NAME, dir, draft(NAME, 0.5, 1));

    assertThat(published.version()).isEqualTo(1);
    assertThat(published.created()).isNotNull();
    assertThat(published.files()).containsOnlyKeys(PARAMS, "block/symbol.txt");
    assertThat(published.files().get(PARAMS)).isEqualTo(sha256(Files.readAllBytes(dir.resolve(PARAMS))));
    assertThat(registry.list()).containsExactly(NAME);
    assertThat(registry.versions(NAME)).containsExactly(1);
    assertThat(registry.aliases(NAME)).isEqualTo(Map.of(ModelRef.LATEST, 1));
    assertThat(registry.manifest(ModelRef.parse(NAME))).isEqualTo(published);
    assertThat(registry.manifest(ModelRef.parse(NAME + "/1"))).isEqualTo(published);
    assertThat(registry.verify(NAME, 1)).isEqualTo(published);

    LoadedModel loaded = registry.load(ModelRef.parse(NAME + "@latest"), work.resolve("cache"), SPEC);
    assertThat(loaded.manifest()).isEqualTo(published);
    assertThat(Files.readAllBytes(loaded.file(PARAMS))).isEqualTo(Files.readAllBytes(dir.resolve(PARAMS)));
    assertThat(Files.readString(loaded.dir().resolve("block/symbol.txt"))).isEqualTo("symbol 1");
    assertThat(loaded.dir().resolve(ModelManifest.FILE_NAME)).exists();
    // A second load reuses the verified local copy.
    assertThat(registry.load(ModelRef.parse(NAME), work.resolve("cache")).dir()).isEqualTo(loaded.dir());
  }

  @Test
  void versionsAreNumberedOneToNAndLatestFollows() throws IOException {
    for (int i = 1; i <= 3; i++) {
      assertThat(registry.publish(NAME, modelDir(i), draft(NAME, 0.5, i)).version()).isEqualTo(i);
      assertThat(registry.resolve(ModelRef.parse(NAME))).isEqualTo(i);
    }
    assertThat(registry.publish("other-model", modelDir(9), draft("other-model", 0.5, 9)).version()).isEqualTo(1);
    assertThat(registry.versions(NAME)).containsExactly(1, 2, 3);
    assertThat(registry.list()).containsExactly(NAME, "other-model");
    assertThat(registry.history(NAME, ModelRef.LATEST)).extracting(AliasEvent::to).containsExactly(1, 2, 3);
  }

  @Test
  void unknownModelsVersionsAndAliasesAreClearErrors() throws IOException {
    assertThatThrownBy(() -> registry.resolve(ModelRef.parse("nope"))).isInstanceOf(ModelException.class)
        .hasMessageContaining("no model named nope").hasMessageContaining("registry is empty");
    registry.publish(NAME, modelDir(1), draft(NAME, 0.5, 1));
    assertThatThrownBy(() -> registry.resolve(ModelRef.parse(NAME + "/7"))).isInstanceOf(ModelException.class)
        .hasMessage(NAME + " has no version 7 (versions: [1])");
    assertThatThrownBy(() -> registry.resolve(ModelRef.parse(NAME + "@champion"))).isInstanceOf(ModelException.class)
        .hasMessage(NAME + " has no alias champion (aliases: [latest])");
    assertThatThrownBy(() -> registry.manifest(NAME, 7)).hasMessage(NAME + " has no version 7");
  }

  @Test
  void concurrentPublishersGetDistinctVersionsAndNeverOverwrite() throws Exception {
    int threads = 4;
    int each = 3;
    List<java.nio.file.Path> dirs = new ArrayList<>();
    for (int i = 0; i < threads * each; i++) dirs.add(modelDir(100 + i));
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<List<ModelManifest>>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      futures.add(pool.submit(() -> {
        start.await();
        List<ModelManifest> mine = new ArrayList<>();
        for (int i = 0; i < each; i++) {
          int id = 100 + thread * each + i;
          mine.add(registry.publish(NAME, dirs.get(id - 100), draft(NAME, 0.5, id)));
        }
        return mine;
      }));
    }
    start.countDown();
    List<ModelManifest> all = new ArrayList<>();
    for (Future<List<ModelManifest>> f : futures) all.addAll(f.get(120, TimeUnit.SECONDS));
    pool.shutdown();

    assertThat(all).extracting(ModelManifest::version).doesNotHaveDuplicates()
        .containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    assertThat(registry.versions(NAME)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
    // Every version holds exactly what its publisher wrote: the seed and the param bytes match.
    for (ModelManifest m : all) {
      ModelManifest stored = registry.verify(NAME, m.version());
      assertThat(stored).isEqualTo(m);
      long id = m.hyperparameters().seed();
      assertThat(stored.files().get(PARAMS)).isEqualTo(sha256(Files.readAllBytes(dirs.get((int) id - 100).resolve(PARAMS))));
    }
    assertThat(registry.resolve(ModelRef.parse(NAME))).isEqualTo(12);
    assertThat(stagingLeftovers()).isEmpty();
  }

  @Test
  void aliasMovesAreRecordedAndStamped() throws IOException {
    publish(3, 0.5, 0.4, 0.3);
    assertThat(registry.promote(NAME, 1, ModelRef.CHAMPION, false, 0.05).moved()).isTrue();
    AliasStamp first = registry.aliasStamp(NAME, ModelRef.CHAMPION);
    assertThat(first.version()).isEqualTo(1);
    assertThat(registry.aliasStamp(NAME, ModelRef.CHAMPION)).isEqualTo(first);

    PromotionDecision d = registry.promote(NAME, 3, ModelRef.CHAMPION, false, 0.05);
    assertThat(d.allowed()).isTrue();
    assertThat(d.moved()).isTrue();
    assertThat(d.current()).isEqualTo(1);
    assertThat(registry.resolve(ModelRef.parse(NAME + "@champion"))).isEqualTo(3);
    assertThat(registry.aliasStamp(NAME, ModelRef.CHAMPION).version()).isEqualTo(3);

    PromotionDecision again = registry.promote(NAME, 3, ModelRef.CHAMPION, false, 0.05);
    assertThat(again.allowed()).isTrue();
    assertThat(again.moved()).isFalse();

    List<AliasEvent> history = registry.history(NAME, ModelRef.CHAMPION);
    assertThat(history).extracting(AliasEvent::action)
        .containsExactly(AliasEvent.PROMOTE, AliasEvent.PROMOTE, AliasEvent.UNCHANGED);
    assertThat(history.get(1).from()).isEqualTo(1);
    assertThat(history.get(1).to()).isEqualTo(3);
    assertThat(history.get(1).actor()).isNotBlank();
    assertThat(registry.aliases(NAME)).isEqualTo(Map.of(ModelRef.LATEST, 3, ModelRef.CHAMPION, 3));
    assertThatThrownBy(() -> registry.aliasStamp(NAME, "staging")).isInstanceOf(ModelException.class)
        .hasMessageContaining(NAME + "@staging does not exist");
  }

  @Test
  void promotionGateAllowsRefusesAndCanBeForced() throws IOException {
    publish(4, 0.100, 0.104, 0.120, 0.090);
    registry.promote(NAME, 1, ModelRef.CHAMPION, false, 0.05);

    PromotionDecision within = registry.promote(NAME, 2, ModelRef.CHAMPION, false, 0.05);
    assertThat(within.allowed()).isTrue();
    assertThat(within.forced()).isFalse();
    assertThat(within.currentLoss()).isEqualTo(0.100);
    assertThat(within.reason()).contains("val_loss 0.104 <= limit 0.105 = current champion 0.1 x (1 + margin 0.05)");

    PromotionDecision worse = registry.promote(NAME, 3, ModelRef.CHAMPION, false, 0.05);
    assertThat(worse.allowed()).isFalse();
    assertThat(worse.moved()).isFalse();
    assertThat(worse.reason()).contains("val_loss 0.12 > limit 0.1092");
    assertThat(registry.resolve(ModelRef.parse(NAME + "@champion"))).isEqualTo(2);

    PromotionDecision forced = registry.promote(NAME, 3, ModelRef.CHAMPION, true, 0.05);
    assertThat(forced.allowed()).isTrue();
    assertThat(forced.forced()).isTrue();
    assertThat(registry.resolve(ModelRef.parse(NAME + "@champion"))).isEqualTo(3);

    assertThat(registry.promote(NAME, 4, ModelRef.CHAMPION, false, 0.0).allowed()).isTrue();

    assertThat(registry.history(NAME, ModelRef.CHAMPION))
        .extracting(AliasEvent::action, AliasEvent::moved)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(AliasEvent.PROMOTE, true),
            org.assertj.core.groups.Tuple.tuple(AliasEvent.PROMOTE, true),
            org.assertj.core.groups.Tuple.tuple(AliasEvent.REFUSED, false),
            org.assertj.core.groups.Tuple.tuple(AliasEvent.FORCE, true),
            org.assertj.core.groups.Tuple.tuple(AliasEvent.PROMOTE, true));
    assertThat(registry.history(NAME, ModelRef.CHAMPION).get(2).reason()).contains("val_loss 0.12 > limit 0.1092");
    assertThatThrownBy(() -> registry.promote(NAME, 1, ModelRef.LATEST, true, 0.05))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void promotionToAnotherFeatureSpecIsRefusedUnlessForced() throws IOException {
    publish(1, 0.5);
    registry.promote(NAME, 1, ModelRef.CHAMPION, false, 0.05);
    FeatureSpec dst = FeatureSpec.seed(Scope.DST_PREFIX);
    assertThat(dst.id()).isNotEqualTo(SPEC.id());
    registry.publish(NAME, modelDir(2), draft(NAME, 0.1, 2, dst));
    PromotionDecision d = registry.promote(NAME, 2, ModelRef.CHAMPION, false, 0.05);
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).contains("feature spec differs");
    assertThat(registry.promote(NAME, 2, ModelRef.CHAMPION, true, 0.05).moved()).isTrue();
  }

  /**
   * Two promoters race for one alias, round after round: a better (val_loss 0.3) and a worse (0.4) candidate, both
   * better than the incumbent (0.5), margin 0. In either order the gate ends at the better one (worse first: the better
   * one still passes; better first: the worse one is refused), so a worse final champion, or a history whose entries
   * were not decided against the alias as the previous entry left it, means a promotion was decided on a stale alias.
   */
  @Test
  void versionsCarryTagsAndADescriptionThatNeverTouchTheirFiles() throws IOException {
    publish(1, 0.5);
    ModelManifest before = registry.verify(NAME, 1);
    assertThat(registry.notes(NAME, 1)).isEqualTo(VersionNotes.Notes.NONE);
    registry.tag(NAME, 1, Map.of("dataset", "2024-05", "owner", "ml-team"), List.of());
    registry.describe(NAME, 1, "  retrained after the May incident  ");
    VersionNotes.Notes now = registry.tag(NAME, 1, Map.of("owner", "secops"), List.of("dataset"));
    assertThat(now.tags()).containsExactly(Map.entry("owner", "secops"));
    assertThat(now.description()).isEqualTo("retrained after the May incident");
    assertThat(now.seq()).isEqualTo(3);
    assertThat(registry.notes(NAME, 1)).isEqualTo(now);
    assertThat(registry.verify(NAME, 1)).isEqualTo(before); // the checksummed files are untouched
    assertThatThrownBy(() -> registry.tag(NAME, 1, Map.of("bad key", "x"), List.of()))
        .isInstanceOf(ModelException.class).hasMessageContaining("tag key 'bad key'");
    assertThatThrownBy(() -> registry.tag(NAME, 9, Map.of("a", "b"), List.of()))
        .isInstanceOf(ModelException.class).hasMessageContaining("9");
  }

  @Test
  void concurrentTaggersAllKeepTheirTags() throws Exception {
    publish(1, 0.5);
    int writers = 8;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      CyclicBarrier start = new CyclicBarrier(writers);
      List<Future<VersionNotes.Notes>> done = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        String key = "writer" + w;
        done.add(pool.submit(() -> {
          start.await(30, TimeUnit.SECONDS);
          return registry.tag(NAME, 1, Map.of(key, "yes"), List.of());
        }));
      }
      for (Future<VersionNotes.Notes> f : done) f.get(120, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    VersionNotes.Notes notes = registry.notes(NAME, 1);
    assertThat(notes.tags()).hasSize(writers);
    assertThat(notes.seq()).isEqualTo(writers);
  }

  @Test
  void concurrentPromotionsAreDecidedAgainstTheAliasAtCommitTime() throws Exception {
    publish(3, 0.5, 0.3, 0.4); // 1: incumbent, 2: better candidate, 3: worse candidate
    int rounds = 20;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<String> failures = new ArrayList<>();
    try {
      for (int r = 0; r < rounds; r++) {
        String alias = "race-" + r;
        assertThat(registry.promote(NAME, 1, alias, false, 0.0).moved()).isTrue();
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<PromotionDecision>> racers = new ArrayList<>();
        for (int candidate : r % 2 == 0 ? new int[] {2, 3} : new int[] {3, 2}) {
          racers.add(pool.submit(() -> {
            start.await(30, TimeUnit.SECONDS);
            return registry.promote(NAME, candidate, alias, false, 0.0);
          }));
        }
        double bestAccepted = Double.MAX_VALUE;
        for (Future<PromotionDecision> f : racers) {
          PromotionDecision d = f.get(120, TimeUnit.SECONDS);
          if (d.allowed()) bestAccepted = Math.min(bestAccepted, d.candidateLoss());
        }
        int champion = registry.resolve(ModelRef.alias(NAME, alias));
        double championLoss = registry.manifest(NAME, champion).valLoss();
        if (championLoss > bestAccepted) {
          failures.add(alias + ": champion " + champion + " (val_loss " + championLoss + ") is worse than an accepted "
              + "candidate (val_loss " + bestAccepted + ")");
        }
        Integer state = null;
        for (AliasEvent e : registry.history(NAME, alias)) {
          if (!java.util.Objects.equals(e.from(), state)) {
            failures.add(alias + ": '" + e.summary() + "' was decided against " + e.from() + " but the alias was at "
                + state);
          }
          if (e.moved()) state = e.to();
        }
        if (state == null || state != champion) {
          failures.add(alias + ": the history ends at " + state + " but the alias points at " + champion);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(failures).as("rounds decided on a stale alias, of " + rounds).isEmpty();
  }

  @Test
  void theAliasIsItsNewestHistoryEntryAndTheAliasFileOnlyAMirror() throws IOException {
    publish(3, 0.3, 0.2, 0.1);
    registry.promote(NAME, 1, ModelRef.CHAMPION, false, 0.05);
    registry.promote(NAME, 2, ModelRef.CHAMPION, false, 0.05);
    assertThat(registry.history(NAME, ModelRef.CHAMPION)).extracting(AliasEvent::seq).containsExactly(1L, 2L);
    assertThat(new String(readRaw(NAME + "/aliases/champion"), StandardCharsets.UTF_8)).isEqualTo("2\n");
    assertThat(new String(readRaw(NAME + "/aliases/latest"), StandardCharsets.UTF_8)).isEqualTo("3\n");

    // A stale mirror (a crashed or out-of-order writer) decides nothing: the log does.
    writeRaw(NAME + "/aliases/champion", "1\n".getBytes(StandardCharsets.UTF_8));
    assertThat(registry.resolve(ModelRef.alias(NAME, ModelRef.CHAMPION))).isEqualTo(2);
    assertThat(registry.aliasStamp(NAME, ModelRef.CHAMPION).version()).isEqualTo(2);
    assertThat(registry.aliases(NAME)).isEqualTo(Map.of(ModelRef.LATEST, 3, ModelRef.CHAMPION, 2));
    PromotionDecision d = registry.promote(NAME, 3, ModelRef.CHAMPION, false, 0.05);
    assertThat(d.current()).isEqualTo(2);
    assertThat(new String(readRaw(NAME + "/aliases/champion"), StandardCharsets.UTF_8)).isEqualTo("3\n");

    // A refusal is an entry too, and the alias stays where the previous entry left it.
    assertThat(registry.promote(NAME, 1, ModelRef.CHAMPION, false, 0.05).allowed()).isFalse();
    AliasStamp stamp = registry.aliasStamp(NAME, ModelRef.CHAMPION);
    assertThat(stamp.version()).isEqualTo(3);
    assertThat(registry.history(NAME, ModelRef.CHAMPION)).extracting(AliasEvent::seq, AliasEvent::target)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, 1), org.assertj.core.groups.Tuple.tuple(2L, 2),
            org.assertj.core.groups.Tuple.tuple(3L, 3), org.assertj.core.groups.Tuple.tuple(4L, 3));
  }

  /**
   * A registry written before the alias log: alias files hold the versions, history entries have no seq (and may not
   * agree with the alias files). It is read as it was, and its first new decision starts from the alias file.
   */
  @Test
  void aRegistryInTheLayoutBeforeTheAliasLogIsReadAndMigratedLazily() throws IOException {
    publish(3, 0.3, 0.2, 0.1);
    rawFs().delete(path(NAME + "/history"), true);
    writeRaw(NAME + "/aliases/latest", "3\n".getBytes(StandardCharsets.UTF_8));
    writeRaw(NAME + "/aliases/champion", "1\n".getBytes(StandardCharsets.UTF_8));
    writeRaw(NAME + "/history/champion/0000000001.json", ("{\"time\":\"2024-05-09T10:00:00Z\",\"alias\":\"champion\","
        + "\"action\":\"promote\",\"from\":null,\"to\":1,\"moved\":true,\"reason\":\"no current champion\","
        + "\"actor\":\"old\"}").getBytes(StandardCharsets.UTF_8));

    assertThat(registry.aliases(NAME)).isEqualTo(Map.of(ModelRef.LATEST, 3, ModelRef.CHAMPION, 1));
    assertThat(registry.resolve(ModelRef.alias(NAME, ModelRef.CHAMPION))).isEqualTo(1);
    assertThat(registry.aliasStamp(NAME, ModelRef.CHAMPION).version()).isEqualTo(1);
    assertThat(registry.history(NAME, ModelRef.CHAMPION)).singleElement()
        .satisfies(e -> assertThat(e.seq()).isNull()).satisfies(e -> assertThat(e.target()).isEqualTo(1));

    PromotionDecision d = registry.promote(NAME, 2, ModelRef.CHAMPION, false, 0.05);
    assertThat(d.current()).isEqualTo(1);
    assertThat(d.moved()).isTrue();
    assertThat(registry.history(NAME, ModelRef.CHAMPION)).extracting(AliasEvent::seq, AliasEvent::from, AliasEvent::to)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(null, null, 1),
            org.assertj.core.groups.Tuple.tuple(2L, 1, 2));
    assertThat(registry.resolve(ModelRef.alias(NAME, ModelRef.CHAMPION))).isEqualTo(2);
    assertThat(registry.rollback(NAME, ModelRef.CHAMPION).to()).isEqualTo(1);

    // latest had no history at all: the next publish starts its log from the alias file.
    registry.publish(NAME, modelDir(4), draft(NAME, 0.1, 4));
    assertThat(registry.history(NAME, ModelRef.LATEST)).extracting(AliasEvent::seq, AliasEvent::from, AliasEvent::to)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, 3, 4));
  }

  @Test
  void rollbackWalksBackThroughMovesAndStopsAtTheStart() throws IOException {
    publish(3, 0.3, 0.2, 0.1);
    for (int v = 1; v <= 3; v++) registry.promote(NAME, v, ModelRef.CHAMPION, false, 0.05);

    AliasEvent back = registry.rollback(NAME, ModelRef.CHAMPION);
    assertThat(back.action()).isEqualTo(AliasEvent.ROLLBACK);
    assertThat(back.from()).isEqualTo(3);
    assertThat(back.to()).isEqualTo(2);
    assertThat(registry.resolve(ModelRef.parse(NAME + "@champion"))).isEqualTo(2);
    assertThat(registry.rollback(NAME, ModelRef.CHAMPION).to()).isEqualTo(1);
    assertThatThrownBy(() -> registry.rollback(NAME, ModelRef.CHAMPION)).isInstanceOf(ModelException.class)
        .hasMessage("cannot roll back " + NAME + "@champion: it points at 1 and has no earlier version in its history");
    assertThat(registry.resolve(ModelRef.parse(NAME + "@champion"))).isEqualTo(1);

    // A new promotion after rollbacks: rolling back undoes it.
    registry.promote(NAME, 3, ModelRef.CHAMPION, false, 0.05);
    assertThat(registry.rollback(NAME, ModelRef.CHAMPION).to()).isEqualTo(1);
    assertThatThrownBy(() -> registry.rollback(NAME, "staging")).isInstanceOf(ModelException.class)
        .hasMessageContaining("no such alias");
  }

  @Test
  void gcKeepsTheNewestAndEveryAliasedVersion() throws IOException {
    publish(6, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1);
    registry.promote(NAME, 2, ModelRef.CHAMPION, false, 0.05);
    registry.promote(NAME, 3, "canary", false, 0.05);

    assertThat(registry.gc(NAME, 2)).containsExactly(1, 4);
    assertThat(registry.versions(NAME)).containsExactly(2, 3, 5, 6);
    assertThat(registry.resolve(ModelRef.parse(NAME + "@champion"))).isEqualTo(2);
    assertThat(registry.load(ModelRef.parse(NAME + "@champion"), work.resolve("cache")).manifest().version())
        .isEqualTo(2);
    assertThat(registry.gc(NAME, 2)).isEmpty();
    // Numbers are never reused: the newest survives every gc.
    assertThat(registry.publish(NAME, modelDir(7), draft(NAME, 0.1, 7)).version()).isEqualTo(7);
    assertThatThrownBy(() -> registry.gc(NAME, 0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rollbackToAVersionDeletedByGcIsAClearError() throws IOException {
    publish(4, 0.4, 0.3, 0.2, 0.1);
    registry.promote(NAME, 1, ModelRef.CHAMPION, false, 0.05);
    registry.promote(NAME, 2, ModelRef.CHAMPION, false, 0.05);
    registry.gc(NAME, 1);
    assertThatThrownBy(() -> registry.rollback(NAME, ModelRef.CHAMPION)).isInstanceOf(ModelException.class)
        .hasMessageContaining("to version 1: that version no longer exists");
  }

  @Test
  void aCorruptedFileIsRefusedAndNeverUsed() throws IOException {
    publish(2, 0.2, 0.1);
    registry.promote(NAME, 1, ModelRef.CHAMPION, false, 0.05);
    ModelManifest m = registry.manifest(NAME, 2);
    flipByte(NAME + "/versions/2/" + PARAMS, 17);

    java.nio.file.Path cache = work.resolve("cache");
    assertThatThrownBy(() -> registry.load(ModelRef.parse(NAME + "/2"), cache, SPEC))
        .isInstanceOf(ModelException.class)
        .hasMessageStartingWith("checksum mismatch for " + PARAMS + " in " + NAME + "/2: expected "
            + m.files().get(PARAMS) + " got ");
    assertThat(cache.resolve(NAME).resolve("2")).doesNotExist();
    assertThatThrownBy(() -> registry.verify(NAME, 2)).hasMessageContaining("checksum mismatch for " + PARAMS);

    // The gate refuses a corrupt candidate even when forced, and logs it.
    PromotionDecision d = registry.promote(NAME, 2, ModelRef.CHAMPION, true, 0.05);
    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).contains("failed verification").contains("checksum mismatch");
    assertThat(registry.resolve(ModelRef.parse(NAME + "@champion"))).isEqualTo(1);
  }

  @Test
  void aDamagedLocalCopyIsReplaced() throws IOException {
    publish(1, 0.2);
    java.nio.file.Path cache = work.resolve("cache");
    LoadedModel first = registry.load(ModelRef.parse(NAME), cache);
    Files.write(first.file(PARAMS), "garbage".getBytes(StandardCharsets.UTF_8));
    LoadedModel second = registry.load(ModelRef.parse(NAME), cache);
    assertThat(sha256(Files.readAllBytes(second.file(PARAMS)))).isEqualTo(second.manifest().files().get(PARAMS));
  }

  @Test
  void missingOrExtraFilesAreRefused() throws IOException {
    publish(1, 0.2);
    writeRaw(NAME + "/versions/1/smuggled.bin", new byte[] {1, 2, 3});
    assertThatThrownBy(() -> registry.load(ModelRef.parse(NAME), work.resolve("cache")))
        .isInstanceOf(ModelException.class)
        .hasMessage(NAME + "/1 holds files its manifest does not list: [smuggled.bin]; it was modified");
    rawFs().delete(path(NAME + "/versions/1/smuggled.bin"), false);
    rawFs().delete(path(NAME + "/versions/1/block/symbol.txt"), false);
    assertThatThrownBy(() -> registry.load(ModelRef.parse(NAME), work.resolve("cache")))
        .hasMessage(NAME + "/1 is incomplete: missing [block/symbol.txt]");
  }

  @Test
  void aMismatchingFeatureSpecIsRefused() throws IOException {
    publish(1, 0.2);
    FeatureSpec other = FeatureSpec.seed(Scope.DST_PREFIX);
    assertThatThrownBy(() -> registry.load(ModelRef.parse(NAME), work.resolve("cache"), other))
        .isInstanceOf(ModelException.class)
        .hasMessageStartingWith("feature spec mismatch for " + NAME + "/1: the model was trained on spec " + SPEC.id())
        .hasMessageContaining("the caller uses " + other.id());
    assertThat(work.resolve("cache").resolve(NAME).resolve("1")).doesNotExist();

    // A manifest whose embedded spec no longer hashes to its spec_id (edited by hand) is refused outright.
    String manifestPath = NAME + "/versions/1/" + ModelManifest.FILE_NAME;
    String json = new String(readRaw(manifestPath), StandardCharsets.UTF_8);
    writeRaw(manifestPath, json.replaceFirst("(\"src_ports\" : \\[ )4010", "$14011").getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> registry.load(ModelRef.parse(NAME), work.resolve("cache"), SPEC))
        .isInstanceOf(ModelException.class)
        .hasMessageStartingWith("invalid manifest of " + NAME + "/1: spec_id " + SPEC.id()
            + " is not the id of the embedded spec");
  }

  @Test
  void publishingNeverModifiesExistingVersions() throws Exception {
    publish(2, 0.2, 0.1);
    Map<String, String> before = snapshot(NAME + "/versions");
    registry.promote(NAME, 2, ModelRef.CHAMPION, false, 0.05);
    publish(2, 0.3, 0.05);
    registry.gc(NAME, 10);
    Map<String, String> after = snapshot(NAME + "/versions");
    assertThat(after).containsAllEntriesOf(before);
    assertThat(after.keySet().stream().filter(k -> k.startsWith("1/") || k.startsWith("2/")))
        .containsExactlyInAnyOrderElementsOf(before.keySet());
    assertThatThrownBy(() -> registry.publish(NAME, modelDir(5), registry.manifest(NAME, 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("publish takes a draft");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Fixtures

  /** Publishes {@code count} versions with these val_losses (one per version, in order). */
  void publish(int count, double... valLosses) throws IOException {
    for (int i = 0; i < count; i++) {
      int id = ids.incrementAndGet();
      registry.publish(NAME, modelDir(id), draft(NAME, valLosses[i], id));
    }
  }

  /** A model directory whose param bytes are derived from {@code id}, plus a nested file. */
  java.nio.file.Path modelDir(int id) throws IOException {
    java.nio.file.Path dir = work.resolve("model-" + id + "-" + UUID.randomUUID());
    Files.createDirectories(dir.resolve("block"));
    byte[] params = new byte[4096];
    new Random(id).nextBytes(params);
    Files.write(dir.resolve(PARAMS), params);
    Files.writeString(dir.resolve("block/symbol.txt"), "symbol " + id);
    return dir;
  }

  static ModelManifest draft(String name, double valLoss, long seed) {
    return draft(name, valLoss, seed, SPEC);
  }

  static ModelManifest draft(String name, double valLoss, long seed, FeatureSpec spec) {
    float[] mean = new float[spec.dimension()];
    float[] std = new float[spec.dimension()];
    Arrays.fill(std, 1f);
    mean[0] = 0.25f;
    return new ModelManifest(name, 0, null, spec.id(), spec, new ModelManifest.Normalisation(mean, std), 3.5,
        "quantile 0.999 of validation scores", Instant.parse("2024-05-01T00:00:00Z"),
        Instant.parse("2024-05-08T00:00:00Z"), 2016, 288,
        Hyperparameters.DEFAULTS.withSeed(seed),
        Map.of(ModelManifest.VAL_LOSS, valLoss, "train_loss", valLoss * 0.9), "0.36.0", "PyTorch 2.7.1",
        "test", Map.of());
  }

  FileSystem rawFs() throws IOException {
    FileSystem fs = FileSystem.get(root, conf());
    return fs instanceof LocalFileSystem l ? l.getRaw() : fs;
  }

  Path path(String relative) {
    return new Path(new Path(root), relative);
  }

  byte[] readRaw(String relative) throws IOException {
    try (InputStream in = rawFs().open(path(relative))) {
      return in.readAllBytes();
    }
  }

  void writeRaw(String relative, byte[] bytes) throws IOException {
    try (FSDataOutputStream out = rawFs().create(path(relative), true)) {
      out.write(bytes);
    }
  }

  /** Rewrites a published file with one byte flipped, as bit rot or a botched copy would. */
  void flipByte(String relative, int offset) throws IOException {
    byte[] bytes = readRaw(relative);
    bytes[offset] ^= 0x5a;
    writeRaw(relative, bytes);
  }

  /** Relative path -> sha256 of every file under {@code relative}. */
  Map<String, String> snapshot(String relative) throws IOException {
    Map<String, String> out = new TreeMap<>();
    Path base = path(relative);
    String prefix = rawFs().makeQualified(base).toUri().getPath() + "/";
    RemoteIterator<LocatedFileStatus> it = rawFs().listFiles(base, true);
    while (it.hasNext()) {
      Path p = it.next().getPath();
      try (InputStream in = rawFs().open(p)) {
        out.put(p.toUri().getPath().substring(prefix.length()), sha256(in.readAllBytes()));
      }
    }
    return out;
  }

  Set<String> stagingLeftovers() throws IOException {
    Set<String> out = new HashSet<>();
    Path tmp = path(NAME + "/_tmp");
    if (!rawFs().exists(tmp)) return out;
    for (var st : rawFs().listStatus(tmp)) out.add(st.getPath().getName());
    return out;
  }

  static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
