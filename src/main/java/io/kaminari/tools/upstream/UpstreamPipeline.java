package io.kaminari.tools.upstream;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kaminari.common.Columns;
import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.features.FeatureSpec;
import io.kaminari.features.Scope;
import io.kaminari.flow.FlowSchema;
import io.kaminari.ingest.LandJob;
import io.kaminari.model.Hyperparameters;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ThresholdMethod;
import io.kaminari.pipeline.JobRun;
import io.kaminari.pipeline.Pipeline;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.stream.ScoredWindow;
import io.kaminari.stream.Scorer;
import io.kaminari.tools.kafka.EmbeddedKafka;
import io.kaminari.tools.kafka.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The whole real upstream chain, once: {@link UpstreamReplay} (packets -> softflowd -> nfacctd -> Kafka), then
 * {@code land} -> {@code compact} -> {@code features} -> {@code train} on the benign hours -> batch {@code score} of the
 * test hour into kaminari.anomaly_scores, and the streaming scorer on the same topic with the model just published.
 * {@code kaminari demo --upstream} prints it; {@code UpstreamChainIT} runs it and checks every step.
 */
public final class UpstreamPipeline {
  private UpstreamPipeline() {}

  /** Registry name of the model trained on the replayed benign hours. */
  public static final String MODEL = "upstream-ae";

  /**
   * The feature layout: global scope, 1-minute windows, the ports that carry most of the benign traffic (53, 80, 443 on
   * both sides) and the reflectors' source port 4500, everything else in the two "other" buckets.
   *
   * <p>One minute because the replayed captures are short (under half a second): 5-minute windows would dilute them five
   * times more, and 2 hours of benign replay give 120 training windows instead of 24. Few ports because a slot that
   * holds zero to three flows a minute turns into a jumpy, nearly binary feature that makes quiet minutes score like
   * attacks (measured): the seed table's rare ports (3306, 8888, 123, the game ports); port 0, whose "ports" are ICMP
   * types and codes (a quiet minute with a few ICMP types scored 8.1 against a threshold of 5.7); destination port 21,
   * with benign FTP bursts scoring up to 6.1 (and the SYN flood on it is not scored, see {@link UpstreamReplay#ATTACKS}).
   */
  public static FeatureSpec spec() {
    return new FeatureSpec("upstream-global", "Busy and attacked ports, 1-minute windows (docs/upstream.md)",
        60, Scope.GLOBAL, FeatureSpec.DEFAULT_IPV4_PREFIX_LENGTH, FeatureSpec.DEFAULT_IPV6_PREFIX_LENGTH,
        List.of(53, 80, 443, 4500), List.of(53, 80, 443), FeatureSpec.DEFAULT_FEATURES, true);
  }

  /**
   * The training settings: the defaults, except a quarter of the windows (the last 30 of 120) held out for validation
   * and a threshold of mean + 5 standard deviations of their scores. The default, the 0.999-quantile of 10% of the
   * windows, is the maximum of 12 scores here: one noisy minute sets it, and the next is as likely to exceed it.
   * Reconstruction errors have a heavy right tail, so 3 sigma of 30 scores sat inside the quiet minutes (a quiet minute
   * scored 1.87 against 1.75); 5 sigma bounds the false-alarm rate at 1/25 whatever the distribution (Chebyshev) and
   * still leaves the weaker reflection at twice the threshold. No trimmed retraining: these settings were measured
   * without it, and the 2 hours of replayed benign traffic hold no attack to trim.
   */
  public static Hyperparameters hyperparameters() {
    Hyperparameters d = Hyperparameters.DEFAULTS;
    return new Hyperparameters(d.hiddenSizes(), d.epochs(), d.batchSize(), d.learningRate(), d.optimiser(), d.seed(),
        d.patience(), 0.25, ThresholdMethod.parse("sigma:5"), 0.0);
  }

  /** A flagged global window and the features its explanation names, largest contribution first. */
  public record Flagged(Instant window, double score, double threshold, List<String> explanation) {}

  /**
   * What the chain did.
   *
   * @param replay what softflowd exported
   * @param land the landing run (its input records are what nfacctd published, markers included)
   * @param compact the compaction of the landing hours the topic went to
   * @param vectors port vectors built over the timeline up to the end of the test hour
   * @param attackWindows the test hour's windows in which flows to the victim start, with the attack they belong to
   * @param batchScores score of every global window of the test hour the batch scorer wrote
   * @param batchFlagged the batch scorer's flagged windows of the test hour
   * @param streamScores score of every global window of the test hour the streaming scorer closed
   * @param streamFlagged the streaming scorer's flagged windows of the test hour
   */
  public record Result(UpstreamReplay.Result replay, JobRun land, JobRun compact, JobRun vectors,
      SortedMap<Instant, UpstreamReplay.Attack> attackWindows, SortedMap<Instant, Double> batchScores,
      SortedMap<Instant, Flagged> batchFlagged, SortedMap<Instant, Double> streamScores,
      SortedMap<Instant, Flagged> streamFlagged) {}

  /**
   * Runs the chain into {@code topic} of {@code kafka} (created here) and the warehouse of {@code spark}, printing each
   * step to {@code out}. Needs nfacctd and softflowd installed.
   *
   * @param config home, checkpoints, model store and scorer settings; the scorer's HTTP port is taken from it
   * @param work scratch directory for nfacctd's config and log and the capture chunks
   * @throws Tools.MissingToolException naming the Debian packages when nfacctd or softflowd is missing
   */
  public static Result run(KaminariConfig config, SparkSession spark, EmbeddedKafka kafka, String topic, Path work,
      long seed, PrintStream out) throws Exception {
    Tools.requireChain();
    String bootstrap = kafka.bootstrapServers();
    kafka.createTopics(1, topic);
    UpstreamReplay.Result replay;
    try (Nfacctd nfacctd = Nfacctd.start(work.resolve("nfacctd"), bootstrap, topic)) {
      out.printf("  nfacctd (pmacct) on udp/127.0.0.1:%d -> Kafka topic %s; replaying %s .. %s in %s chunks%n",
          nfacctd.port, topic, UpstreamReplay.START, UpstreamReplay.END, UpstreamReplay.CHUNK);
      replay = UpstreamReplay.replay(work.resolve("pcaps"), nfacctd.port, seed, out);
      // kafka_refresh_time is 1 s: wait for the purges, then SIGINT for a last flush and a clean exit.
      awaitFlows(bootstrap, topic, replay.sentRecords(), Duration.ofSeconds(60));
      nfacctd.stop();
      if (nfacctd.logText().contains("ERROR")) throw new IllegalStateException("nfacctd logged errors:\n"
          + nfacctd.logText());
    }
    long published = countRecords(bootstrap, topic)[1];
    out.printf("  nfacctd published %,d flow records to %s%n", published, topic);

    Pipeline pipeline = freshLanding(config, spark, topic);
    Ingested in = landAndCompact(pipeline, bootstrap, topic);
    JobRun land = in.land();
    JobRun compact = in.compact();
    out.printf("  landed %,d Kafka records into %s%n", land.inputRecords(), Warehouse.FLOWS_LANDING);
    out.printf("  compacted into %s: %,d flows, %,d rejected, %,d duplicates, %,d markers%n", Warehouse.FLOWS,
        compact.outputRows(), compact.rejected(), compact.duplicates(), compact.markers());

    FeatureSpec spec = spec();
    JobRun vectors = pipeline.features(spec, UpstreamReplay.START, UpstreamReplay.TEST_TO);
    out.printf("  built %,d port vectors of spec %s (%s, %d s windows, %d features)%n", vectors.outputRows(),
        spec.id(), spec.scope().jsonName(), spec.windowSeconds(), spec.dimension());

    pipeline.train(MODEL, spec, UpstreamReplay.START, UpstreamReplay.TRAIN_TO, hyperparameters(), false);
    out.printf("  trained %s on %s .. %s (benign only) and published it to %s: %s%n", MODEL, UpstreamReplay.START,
        UpstreamReplay.TRAIN_TO, pipeline.registry().root(), pipeline.registry().aliases(MODEL));

    ModelRef champion = ModelRef.alias(MODEL, ModelRef.CHAMPION);
    Pipeline.Scored batch = pipeline.score(champion, UpstreamReplay.TRAIN_TO, UpstreamReplay.TEST_TO);
    List<Row> scored = pipeline.scores(batch, Scope.GLOBAL).collectAsList();
    SortedMap<Instant, Flagged> batchFlagged = new TreeMap<>();
    SortedMap<Instant, Double> batchScores = new TreeMap<>();
    for (Row r : scored) {
      batchScores.put(r.getAs(Columns.WINDOW_START), r.getAs(Columns.SCORE));
      if (!r.<Boolean>getAs(Columns.IS_ANOMALY)) continue;
      Instant w = r.getAs(Columns.WINDOW_START);
      batchFlagged.put(w, new Flagged(w, r.getAs(Columns.SCORE), r.getAs(Columns.THRESHOLD),
          r.getList(r.fieldIndex(Columns.EXPLANATION)).stream().map(String::valueOf).toList()));
    }
    SortedMap<Instant, UpstreamReplay.Attack> attackWindows = attackWindows(spark, topic, spec);
    out.printf("  batch scorer: %d of the test hour's %d windows flagged; %d windows hold attack flows%n",
        batchFlagged.size(), scored.size(), attackWindows.size());
    print(out, batchFlagged, batchScores, attackWindows);

    KaminariConfig scorerConfig = config.with(Settings.BOOTSTRAP_SERVERS, bootstrap).with(Settings.TOPICS, topic)
        .with(Settings.SCORER_MODEL, champion.toString())
        .with(Settings.SCORER_ALLOWED_LATENESS, UpstreamReplay.STREAM_LATENESS.toMinutes() + "m")
        .with(Settings.SCORER_GROUP, "upstream-" + UUID.randomUUID());
    kafka.createTopics(1, scorerConfig.get(Settings.SCORER_OUTPUT_TOPIC),
        scorerConfig.get(Settings.SCORER_DEAD_LETTER_TOPIC));
    SortedMap<Instant, Flagged> streamFlagged = new TreeMap<>();
    SortedMap<Instant, Double> streamScores = new TreeMap<>();
    int streamWindows;
    try (Scorer scorer = Scorer.start(scorerConfig)) {
      out.printf("  streaming scorer consuming %s with %s; dashboard at http://%s:%d/%n", topic, champion,
          scorerConfig.get(Settings.SCORER_HTTP_HOST), scorer.httpPort());
      Instant last = UpstreamReplay.TEST_TO.minusSeconds(spec.windowSeconds());
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      List<ScoredWindow> test;
      while (true) {
        test = scorer.recent().query(UpstreamReplay.TRAIN_TO, Scope.GLOBAL.jsonName()).stream()
            .filter(w -> w.windowStart().isBefore(UpstreamReplay.TEST_TO)).toList();
        if (test.stream().anyMatch(w -> w.windowStart().equals(last))) break;
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the streaming scorer did not close the window " + last + " within 120 s ("
              + scorer.metrics().windowsScored() + " windows scored)");
        }
        Thread.sleep(250);
      }
      streamWindows = test.size();
      for (ScoredWindow w : test) {
        streamScores.put(w.windowStart(), w.score());
        if (w.isAnomaly()) {
          streamFlagged.put(w.windowStart(), new Flagged(w.windowStart(), w.score(), w.threshold(),
              w.topFeatures().stream().map(ScoredWindow.Contribution::feature).toList()));
        }
      }
    }
    out.printf("  streaming scorer: %d of the test hour's %d windows flagged%n", streamFlagged.size(), streamWindows);
    print(out, streamFlagged, streamScores, attackWindows);
    return new Result(replay, land, compact, vectors, attackWindows, batchScores, batchFlagged, streamScores,
        streamFlagged);
  }

  /** A landing run and the compaction of the landing hours it wrote. */
  public record Ingested(JobRun land, JobRun compact) {}

  /**
   * Lands {@code topic} from a fresh checkpoint, then compacts the landing hours that run wrote: nfacctd stamps Kafka
   * records with the time it sends them, so the landing hours are "now", not the flows' hours.
   */
  public static Ingested landAndCompact(KaminariConfig config, SparkSession spark, String bootstrap, String topic)
      throws Exception {
    return landAndCompact(freshLanding(config, spark, topic), bootstrap, topic);
  }

  private static Ingested landAndCompact(Pipeline pipeline, String bootstrap, String topic) throws Exception {
    LandJob.Landing landed = pipeline.land(bootstrap, topic);
    return new Ingested(landed.run(), pipeline.compact(landed));
  }

  /** The chain with landing checkpoints of its own, so that a topic replayed into a reused home lands again. */
  private static Pipeline freshLanding(KaminariConfig config, SparkSession spark, String topic) {
    return new Pipeline(spark, config.with(Settings.CHECKPOINTS,
        config.get(Settings.CHECKPOINTS) + "/land/upstream-" + topic + "-" + System.nanoTime()));
  }

  /**
   * Windows of the test hour in which flows to the victim start, each with the latest scored attack started by its end.
   */
  static SortedMap<Instant, UpstreamReplay.Attack> attackWindows(SparkSession spark, String topic, FeatureSpec spec) {
    SortedMap<Instant, UpstreamReplay.Attack> out = new TreeMap<>();
    for (Row r : spark.table(Warehouse.FLOWS).where(col(Columns.SOURCE).equalTo(topic)
        .and(col(FlowSchema.IP_DST).equalTo(UpstreamReplay.VICTIM))).select(FlowSchema.EVENT_TIME).distinct()
        .collectAsList()) {
      Instant t = r.getAs(0);
      Instant w = Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), spec.windowSeconds()) * spec.windowSeconds());
      if (w.isBefore(UpstreamReplay.TRAIN_TO) || !w.isBefore(UpstreamReplay.TEST_TO)) continue;
      UpstreamReplay.Attack by = null;
      for (UpstreamReplay.Attack a : UpstreamReplay.ATTACKS) {
        boolean started = a.at().isBefore(w.plusSeconds(spec.windowSeconds()));
        if (a.scored() && started && (by == null || a.at().isAfter(by.at()))) by = a;
      }
      out.put(w, by);
    }
    return out;
  }

  private static void print(PrintStream out, SortedMap<Instant, Flagged> flagged, SortedMap<Instant, Double> scores,
      SortedMap<Instant, UpstreamReplay.Attack> attacks) {
    for (Flagged f : flagged.values()) {
      UpstreamReplay.Attack a = attacks.get(f.window());
      out.printf("    %s score=%9.3f threshold=%.3f %-22s %s%n", f.window().atZone(ZoneOffset.UTC).toLocalTime(),
          f.score(), f.threshold(), a == null ? "(quiet)" : "ATTACK " + a.port(), f.explanation());
    }
    // The margins: how close the noisiest quiet minute came to the threshold, how far the weakest attack is above it.
    scores.entrySet().stream().filter(e -> !attacks.containsKey(e.getKey())).max(Map.Entry.comparingByValue())
        .ifPresent(e -> out.printf("    highest quiet window: %s score=%.3f%n",
            e.getKey().atZone(ZoneOffset.UTC).toLocalTime(), e.getValue()));
    List<Instant> missed = attacks.keySet().stream().filter(w -> !flagged.containsKey(w)).toList();
    if (!missed.isEmpty()) out.println("    attack windows not flagged: " + missed);
  }

  /**
   * Polls {@code topic} until it holds {@code flows} flow records or its count has not moved for 2 s (at most
   * {@code timeout}); returns the count. With {@code plugin_buffer_size}, nfacctd holds a partly filled buffer until
   * it stops, so the caller then sends SIGINT, which publishes the rest.
   */
  public static long awaitFlows(String bootstrap, String topic, long flows, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    long seen = -1;
    long stableSince = System.nanoTime();
    while (System.nanoTime() < deadline) {
      long now = countRecords(bootstrap, topic)[1];
      if (now >= flows) return now;
      if (now != seen) {
        seen = now;
        stableSince = System.nanoTime();
      } else if (System.nanoTime() - stableSince > Duration.ofSeconds(2).toNanos()) {
        return now;
      }
      Thread.sleep(250);
    }
    return seen;
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** {all records, flow records (event_type purge)} of {@code topic}, read from the beginning to its end offsets. */
  static long[] countRecords(String bootstrap, String topic) throws IOException {
    long[] counts = new long[2];
    Topics.readToEnd(bootstrap, topic, Duration.ofSeconds(60), r -> {
      counts[0]++;
      String type = JSON.readTree(new String(r.value(), StandardCharsets.UTF_8)).path("event_type").asText("purge");
      if (type.equals("purge")) counts[1]++;
    });
    return counts;
  }
}
