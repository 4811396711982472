package io.kaminari.common;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The effective configuration: flags over secret files over the config file over the environment over defaults.
 *
 * <p>The sources, highest first: flags ({@code --set}, {@code --home} and a command's own options); the files of
 * the {@value #SECRETS_DIR_ENV} directory (a Secret volume); the YAML config file ({@code --config}); the environment,
 * where every key has a {@code KAMINARI_*} variable and {@code AWS_*} set the s3a credentials ({@link ConfigEnv}: the
 * names, the reserved variables, and {@code KAMINARI_*} over {@code AWS_*}); the defaults. {@link #dump()} names the
 * source of each value.
 *
 * <p>Immutable. Unknown keys are an error (a typo must not silently fall back to a default); values are parsed and
 * validated when the config is built, so a bad value fails before any job starts. Defaults may reference other keys as
 * {@code ${key}}.
 */
public final class KaminariConfig {
  /** The variable of {@link Settings#HOME} ({@link ConfigEnv#name}). */
  public static final String HOME_ENV = "KAMINARI_HOME";
  /** How {@link #dump()} names a value from the environment: {@code env KAMINARI_SCORER_MODEL}. */
  static final String ENV_SOURCE = "env ";
  /**
   * Environment variable naming a directory of secret settings, one file per key (the file name is the key, its
   * content the value): a Kubernetes Secret volume. Secrets thus never travel on a command line or in a ConfigMap.
   */
  public static final String SECRETS_DIR_ENV = "KAMINARI_SECRETS_DIR";
  /** Name fragments that make a setting secret: {@link #dump()} shows its value as {@code ****}. */
  static final List<String> SECRET_WORDS = List.of("key", "secret", "password", "token", "jaas", "credential");
  private static final Pattern REF = Pattern.compile("\\$\\{([a-z0-9.\\-]+)}");

  private final Map<String, String> raw;
  private final Map<String, String> sources;

  private KaminariConfig(Map<String, String> raw, Map<String, String> sources) {
    this.raw = raw;
    this.sources = sources;
    for (ConfigKey<?> k : Settings.all()) {
      get(k); // validate every value up front
    }
  }

  /** The defaults and the process environment: the embedded single-machine setup unless the environment says more. */
  public static KaminariConfig defaults() {
    return load(null, Map.of(), System.getenv());
  }

  /**
   * Builds the effective config.
   *
   * @param file YAML config file (nested maps are flattened with dots), or null
   * @param flags key=value settings given on the command line (highest precedence)
   * @param env the process environment: {@code KAMINARI_*} and {@code AWS_*} variables ({@link ConfigEnv}) and
   *     {@value #SECRETS_DIR_ENV}; a {@code KAMINARI_*} variable that names no key is an error
   */
  public static KaminariConfig load(Path file, Map<String, String> flags, Map<String, String> env) {
    Map<String, String> raw = new LinkedHashMap<>();
    Map<String, String> sources = new LinkedHashMap<>();
    for (ConfigKey<?> k : Settings.all()) {
      raw.put(k.name(), k.defaultValue());
      sources.put(k.name(), "default");
    }
    for (ConfigEnv.Setting s : ConfigEnv.read(env)) {
      put(raw, sources, s.key(), s.value(), ENV_SOURCE + s.variable());
    }
    if (file != null) {
      readYaml(file).forEach((k, v) -> put(raw, sources, k, v, "file " + file));
    }
    String secrets = env.get(SECRETS_DIR_ENV);
    if (secrets != null && !secrets.isBlank()) {
      readSecrets(Path.of(secrets)).forEach((k, v) -> put(raw, sources, k, v, "secret file " + secrets + "/" + k));
    }
    flags.forEach((k, v) -> put(raw, sources, k, v, "flag"));
    return new KaminariConfig(raw, sources);
  }

  /** A copy with {@code key} set as if by a flag. */
  public KaminariConfig with(ConfigKey<?> key, String value) {
    Map<String, String> r = new LinkedHashMap<>(raw);
    Map<String, String> s = new LinkedHashMap<>(sources);
    put(r, s, key.name(), value, "flag");
    return new KaminariConfig(r, s);
  }

  private static void put(Map<String, String> raw, Map<String, String> sources, String k, String v, String src) {
    if (Settings.find(k) == null && !Settings.isPassThrough(k)) {
      throw new ConfigException("unknown configuration key '" + k + "' (from " + src
          + "); `kaminari config --dump` lists the keys");
    }
    raw.put(k, v);
    sources.put(k, src);
  }

  private static Map<String, String> readYaml(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    if (root == null || root.isMissingNode() || root.isNull()) return out;
    if (!root.isObject()) throw new ConfigException("config file " + file + " must hold a mapping of keys to values");
    flatten("", root, out);
    return out;
  }

  /**
   * The settings of a secrets directory: every regular file whose name does not start with a dot (Kubernetes keeps
   * its bookkeeping in {@code ..data} entries), trailing line breaks removed (as {@code kubectl create secret
   * --from-file} keeps them).
   */
  private static Map<String, String> readSecrets(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new ConfigException(SECRETS_DIR_ENV + "=" + dir + " is not a directory");
    }
    Map<String, String> out = new TreeMap<>();
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        String name = f.getFileName().toString();
        if (name.startsWith(".") || !Files.isRegularFile(f)) continue;
        out.put(name, Files.readString(f).replaceAll("[\\r\\n]+$", ""));
      }
    } catch (IOException e) {
      throw new ConfigException("cannot read the secrets directory " + dir + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String name = prefix + e.getKey();
      if (e.getValue().isObject() && Settings.find(name) == null) {
        flatten(name + ".", e.getValue(), out);
      } else if (e.getValue().isArray()) {
        StringBuilder sb = new StringBuilder();
        e.getValue().forEach(x -> sb.append(sb.length() == 0 ? "" : ",").append(x.asText()));
        out.put(name, sb.toString());
      } else {
        out.put(name, e.getValue().asText());
      }
    }
  }

  /** The parsed value of {@code key}. */
  public <T> T get(ConfigKey<T> key) {
    return key.parse(resolve(raw.get(key.name()), 0));
  }

  private String resolve(String value, int depth) {
    if (depth > 10) throw new ConfigException("configuration references nest too deep (a cycle?) in '" + value + "'");
    Matcher m = REF.matcher(value);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      String ref = raw.get(m.group(1));
      if (ref == null) throw new ConfigException("'" + value + "' references unknown key " + m.group(1));
      m.appendReplacement(sb, Matcher.quoteReplacement(resolve(ref, depth + 1)));
    }
    m.appendTail(sb);
    return sb.toString();
  }

  /** Pass-through settings under {@code prefix} (e.g. {@link Settings#KAFKA_PREFIX}) that are not declared keys. */
  public Map<String, String> passThrough(String prefix) {
    Map<String, String> out = new TreeMap<>();
    raw.forEach((k, v) -> {
      if (k.startsWith(prefix) && Settings.isPassThrough(k)) out.put(k, resolve(v, 0));
    });
    return out;
  }

  /** Whether the metastore is the embedded Derby one (no {@link Settings#METASTORE_URIS}). */
  public boolean embeddedMetastore() {
    return get(Settings.METASTORE_URIS).isBlank();
  }

  /**
   * The effective configuration as YAML-ish text: one {@code key: value  # source - doc [env VARIABLE]} line per key,
   * the variable being the key's {@code KAMINARI_*} name ({@link ConfigEnv#name}; none for a camelCase pass-through
   * key). The value of every setting whose name looks secret ({@link #isSecret}) is shown as {@code ****} when set.
   */
  public String dump() {
    StringBuilder sb = new StringBuilder();
    for (ConfigKey<?> k : Settings.all()) {
      line(sb, k.name(), resolve(raw.get(k.name()), 0), k.doc());
    }
    raw.keySet().stream().filter(Settings::isPassThrough).sorted().forEach(k -> line(sb, k, raw.get(k), "pass-through"));
    return sb.toString();
  }

  private void line(StringBuilder sb, String key, String value, String doc) {
    String variable = ConfigEnv.name(key);
    sb.append(key).append(": ").append(shown(key, value)).append("    # ").append(sources.get(key)).append(" - ")
        .append(doc).append(variable == null ? " [no env variable]" : " [env " + variable + "]").append('\n');
  }

  private static String shown(String key, String value) {
    return isSecret(key) && !value.isEmpty() ? "****" : value;
  }

  /**
   * Whether a setting's name marks it as secret: it contains one of {@link #SECRET_WORDS}, case-insensitively
   * ({@code kafka.ssl.keystore.key}, {@code kafka.sasl.jaas.config}, {@code spark.hadoop.fs.s3a.access.key},
   * {@code spark.hadoop.fs.azure.account.key.ACCOUNT...}, {@code spark.authenticate.secret}). Deliberately broad:
   * hiding a harmless value such as a serializer class name costs less than printing one credential.
   */
  public static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return SECRET_WORDS.stream().anyMatch(k::contains);
  }
}
