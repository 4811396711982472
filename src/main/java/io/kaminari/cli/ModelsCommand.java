package io.kaminari.cli;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import io.kaminari.model.AliasEvent;
import io.kaminari.model.ModelCard;
import io.kaminari.model.ModelManifest;
import io.kaminari.model.ModelRef;
import io.kaminari.model.ModelRegistry;
import io.kaminari.model.PromotionDecision;
import io.kaminari.model.VersionNotes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code kaminari models}: inspects the model registry ({@code model.store}) and moves its aliases; every refusal exits
 * non-zero with the reason on stderr. Needs no Spark.
 */
@Command(name = "models",
    description = "List, show, annotate, promote, roll back and garbage-collect registered models.",
    subcommands = {ModelsCommand.ListModels.class, ModelsCommand.Show.class, ModelsCommand.Card.class,
        ModelsCommand.Tag.class, ModelsCommand.Describe.class, ModelsCommand.History.class,
        ModelsCommand.Promote.class, ModelsCommand.Rollback.class, ModelsCommand.Gc.class})
final class ModelsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing subcommand: list, show, card, tag, describe, history, promote, rollback or gc");
  }

  /** A subcommand: loads the config, opens the registry, runs. */
  abstract static class Sub implements Callable<Integer> {
    @Mixin ConfigOptions options;

    @Override
    public final Integer call() {
      KaminariConfig config = options.load();
      return run(ModelRegistry.fromConfig(config), config);
    }

    abstract int run(ModelRegistry registry, KaminariConfig config);
  }

  @Command(name = "list", description = "Every model with its versions and aliases.")
  static final class ListModels extends Sub {
    @Override
    int run(ModelRegistry registry, KaminariConfig config) {
      List<String> names = registry.list();
      if (names.isEmpty()) System.out.println("no models in " + registry.root());
      for (String name : names) {
        List<Integer> versions = registry.versions(name);
        Map<String, Integer> aliases = registry.aliases(name);
        System.out.println(name + "  versions " + versions + "  " + aliases.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
      }
      return 0;
    }
  }

  @Command(name = "show", description = "The manifest of name, name@alias or name/version (default name@latest),"
      + " with its aliases, tags and description.")
  static final class Show extends Sub {
    @Parameters(index = "0", paramLabel = "REF", description = "name, name@alias or name/version")
    String ref;

    @Option(names = "--verify", description = "also check every file's SHA-256 in the registry")
    boolean verify;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json",
        description = "text (a header line, then the manifest) or json (one line: name, version, aliases, verified,"
            + " tags, description, manifest); default ${DEFAULT-VALUE}")
    String format;

    @Override
    int run(ModelRegistry registry, KaminariConfig config) {
      if (!format.equals("text") && !format.equals("json")) {
        throw new IllegalArgumentException("--format must be text or json, not '" + format + "'");
      }
      ModelRef r = ModelRef.parse(ref);
      int version = registry.resolve(r);
      ModelManifest m = verify ? registry.verify(r.name(), version) : registry.manifest(r.name(), version);
      List<String> aliases = aliasesOf(registry, r.name(), version);
      VersionNotes.Notes notes = registry.notes(r.name(), version);
      if (format.equals("json")) {
        System.out.println(ModelCard.json(m, aliases, verify, notes));
        return 0;
      }
      System.out.println(r.name() + "/" + version + (aliases.isEmpty() ? "" : " (" + String.join(", ", aliases) + ")")
          + (verify ? " verified: " + m.files().size() + " files match their SHA-256" : ""));
      notes.tags().forEach((k, v) -> System.out.println("tag " + k + "=" + v));
      if (!notes.description().isEmpty()) System.out.println("description: " + notes.description());
      System.out.print(m.toJson());
      return 0;
    }
  }

  @Command(name = "card", description = "The model card of a version, as Markdown: what it was trained on, its"
      + " thresholds and detectors, its stored evaluation metrics, tags and description.")
  static final class Card extends Sub {
    @Parameters(index = "0", paramLabel = "REF", description = "name, name@alias or name/version")
    String ref;

    @Override
    int run(ModelRegistry registry, KaminariConfig config) {
      ModelRef r = ModelRef.parse(ref);
      int version = registry.resolve(r);
      System.out.print(ModelCard.markdown(registry.manifest(r.name(), version), aliasesOf(registry, r.name(), version),
          registry.notes(r.name(), version)));
      return 0;
    }
  }

  @Command(name = "tag", description = "Set (key=value) or remove (--remove key) tags of a version.")
  static final class Tag extends Sub {
    @Parameters(index = "0", paramLabel = "REF", description = "name, name@alias or name/version")
    String ref;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", arity = "0..*", description = "tags to set")
    Map<String, String> set = Map.of();

    @Option(names = "--remove", paramLabel = "KEY", description = "a tag to remove (repeatable)")
    List<String> remove = List.of();

    @Override
    int run(ModelRegistry registry, KaminariConfig config) {
      if (set.isEmpty() && remove.isEmpty()) throw new IllegalArgumentException("give KEY=VALUE tags or --remove KEY");
      ModelRef r = ModelRef.parse(ref);
      int version = registry.resolve(r);
      VersionNotes.Notes now = registry.tag(r.name(), version, set, remove);
      System.out.println(r.name() + "/" + version + " tags " + now.tags());
      return 0;
    }
  }

  @Command(name = "describe", description = "Set the description of a version (\"\" removes it).")
  static final class Describe extends Sub {
    @Parameters(index = "0", paramLabel = "REF", description = "name, name@alias or name/version")
    String ref;

    @Parameters(index = "1", paramLabel = "TEXT")
    String text;

    @Override
    int run(ModelRegistry registry, KaminariConfig config) {
      ModelRef r = ModelRef.parse(ref);
      int version = registry.resolve(r);
      registry.describe(r.name(), version, text);
      System.out.println(r.name() + "/" + version + " described");
      return 0;
    }
  }

  /** The aliases pointing at {@code name/version}, sorted. */
  private static List<String> aliasesOf(ModelRegistry registry, String name, int version) {
    return registry.aliases(name).entrySet().stream().filter(e -> e.getValue() == version).map(Map.Entry::getKey)
        .sorted().toList();
  }

  @Command(name = "history", description = "Every move and refused promotion of an alias, oldest first.")
  static final class History extends Sub {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--alias", defaultValue = ModelRef.CHAMPION, description = "alias (default ${DEFAULT-VALUE})")
    String alias;

    @Override
    int run(ModelRegistry registry, KaminariConfig config) {
      registry.history(name, alias).forEach(e -> System.out.println(e.summary()));
      return 0;
    }
  }

  @Command(name = "promote", description = "Move an alias to a version if the promotion gate allows it (or --force).")
  static final class Promote extends Sub {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Parameters(index = "1", paramLabel = "VERSION")
    int version;

    @Option(names = "--alias", defaultValue = ModelRef.CHAMPION, description = "alias to move (default ${DEFAULT-VALUE})")
    String alias;

    @Option(names = "--force", description = "move even if the gate refuses (a candidate that fails verification never moves)")
    boolean force;

    @Option(names = "--margin", paramLabel = "FRACTION",
        description = "allowed regression of the held-out error as a fraction (default: promotion.margin)")
    Double margin;

    @Override
    int run(ModelRegistry registry, KaminariConfig config) {
      double m = margin != null ? margin : config.get(Settings.PROMOTION_MARGIN);
      PromotionDecision d = registry.promote(name, version, alias, force, m);
      if (!d.allowed()) {
        System.err.println("kaminari models promote: " + d.summary());
        return 1;
      }
      System.out.println(d.summary());
      return 0;
    }
  }

  @Command(name = "rollback", description = "Move an alias back to the version it pointed at before its last move.")
  static final class Rollback extends Sub {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--alias", defaultValue = ModelRef.CHAMPION, description = "alias (default ${DEFAULT-VALUE})")
    String alias;

    @Override
    int run(ModelRegistry registry, KaminariConfig config) {
      AliasEvent e = registry.rollback(name, alias);
      System.out.println(e.summary());
      return 0;
    }
  }

  @Command(name = "gc", description = "Delete all but the newest N versions; versions an alias points at are kept.")
  static final class Gc extends Sub {
    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--keep", required = true, paramLabel = "N", description = "newest versions to keep (>= 1)")
    int keep;

    @Override
    int run(ModelRegistry registry, KaminariConfig config) {
      List<Integer> deleted = registry.gc(name, keep);
      System.out.println(deleted.isEmpty() ? "nothing to delete for " + name
          : "deleted versions " + deleted + " of " + name + "; kept " + registry.versions(name));
      return 0;
    }
  }
}
