package io.kaminari.common;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Every configuration key of Kaminari, declared once with its default and doc.
 *
 * <p>Besides these keys, two prefixes pass settings through untouched: {@link #SPARK_PREFIX} (any Spark or Hadoop
 * setting, e.g. {@code spark.kubernetes.namespace}) and {@link #KAFKA_PREFIX} (Kafka client settings such as
 * {@code kafka.security.protocol} or {@code kafka.sasl.jaas.config}, given to every Kafka client Kaminari builds).
 */
public final class Settings {
  private Settings() {}

  public static final String SPARK_PREFIX = "spark.";
  public static final String KAFKA_PREFIX = "kafka.";

  private static final Map<String, ConfigKey<?>> KEYS = new LinkedHashMap<>();

  public static final ConfigKey<String> HOME = key("home", "./var",
      "directory holding all local state of the embedded default (env KAMINARI_HOME); delete it to reset", s -> s);
  public static final ConfigKey<String> WAREHOUSE = key("warehouse.dir", "${home}/warehouse",
      "Hive warehouse root: a local path, hdfs://... or s3a://...", s -> s);
  public static final ConfigKey<String> DATABASE = key("warehouse.database", "kaminari",
      "Hive database of Kaminari's tables and views (one per deployment on a shared metastore)", Settings::identifier);
  public static final ConfigKey<String> EXTERNAL_LOCATION = key("warehouse.external-location", "",
      "empty = managed tables under warehouse.dir; otherwise external tables, each at <location>/<table> (a local"
          + " path, hdfs://... or s3a://...; one location per database), which dropping a table leaves in place",
      String::strip);
  public static final ConfigKey<String> METASTORE_URIS = key("metastore.uris", "",
      "remote Hive metastore (thrift://host:9083); empty = embedded Derby metastore under ${home}", s -> s);
  public static final ConfigKey<String> SPARK_MASTER = key("spark.master", "local[*]",
      "Spark master: local[*], spark://..., k8s://https://...; ignored when spark-submit already set one", s -> s);
  public static final ConfigKey<Integer> SHUFFLE_PARTITIONS = key("shuffle.partitions", "8",
      "Spark shuffle partitions for the jobs' aggregations", Settings::positiveInt);
  public static final ConfigKey<String> CHECKPOINTS = key("checkpoint.dir", "${home}/checkpoints",
      "where the landing jobs keep their streaming checkpoints (any Hadoop FileSystem URI)", s -> s);
  public static final ConfigKey<String> BOOTSTRAP_SERVERS = key("kafka.bootstrap.servers", "127.0.0.1:9092",
      "Kafka bootstrap servers of the pmacct topic(s)", s -> s);
  public static final ConfigKey<List<String>> TOPICS = key("topics", "pmacct.flows",
      "comma-separated Kafka topic(s) nfacctd writes flows to", Settings::list);
  public static final ConfigKey<Long> MAX_OFFSETS_PER_TRIGGER = key("land.max-offsets-per-trigger", "2000000",
      "upper bound of records per landing micro-batch (bounds memory; a run still consumes everything new)",
      Settings::positiveLong);
  public static final ConfigKey<String> LAND_ON_DATA_LOSS = key("land.on-data-loss", "fail",
      "what land does when Kafka deleted (retention) records it had not landed yet: fail (the run fails, and so does"
          + " every later one, until this is changed) or skip-and-record (land from the earliest offset still there and"
          + " record each lost offset range in the run's kaminari.job_runs row)",
      s -> oneOf(s, "fail", "skip-and-record"));
  public static final ConfigKey<ZoneId> COLLECTOR_ZONE = key("collector.timezone", "UTC",
      "time zone of nfacctd's default local-time timestamps (irrelevant for epoch and RFC 3339 forms)", ZoneId::of);
  public static final ConfigKey<Instant> MIN_EVENT_TIME = key("flow.min-event-time", "2000-01-01T00:00:00Z",
      "earliest valid event time of a flow (RFC 3339, UTC); compaction quarantines and the scorer dead-letters an"
          + " earlier one with a reason (an exporter whose clock was never set sends 1970 + uptime)", Settings::instant);
  public static final ConfigKey<Duration> MAX_FUTURE_SKEW = key("flow.max-future-skew", "1h",
      "how far a flow's event time may be after the record's arrival (Kafka record time, file modification time);"
          + " later ones are quarantined (compaction) and dead-lettered (scorer) with a reason", Durations::parse);
  public static final ConfigKey<Long> ROWS_PER_FILE = key("compact.rows-per-file", "4000000",
      "target rows per Parquet file of kaminari.flows; an hour partition gets ceil(rows / this) files",
      Settings::positiveLong);
  public static final ConfigKey<String> COMPACT_LOCK_DIR = key("compact.lock-dir", "",
      "directory of the compaction lock (one compaction of kaminari.flows at a time); empty = _lock under the table's"
          + " location. It needs an atomic rename: on s3a put it on HDFS or a local file system", s -> s);
  public static final ConfigKey<Duration> COMPACT_LOCK_TTL = key("compact.lock-ttl", "2m",
      "lease of the compaction lock: its holder renews it every third of this; another compaction takes over a lease"
          + " it has seen unrenewed for this long (a killed holder)", Durations::parse);
  public static final ConfigKey<Duration> COMPACT_LOCK_WAIT = key("compact.lock-wait", "30m",
      "how long a compaction waits for the lock held by another one before it fails", Durations::parse);
  public static final ConfigKey<Duration> PROGRESS_INTERVAL = key("progress.interval", "30s",
      "how often a running Spark job (compact, features, score, ...) logs its progress: tasks done of those planned,"
          + " records read and written; 0 = never", s -> "0".equals(s.trim()) ? Duration.ZERO : Durations.parse(s));
  public static final ConfigKey<URI> MODEL_STORE = key("model.store", "file://${home}/models",
      "model registry root: hdfs://nn:8020/kaminari/models, s3a://bucket/models or a local path (file://... or plain;"
          + " a relative path is resolved against the working directory); generated feature specs go to specs/<id>.json",
      Settings::storeUri);
  public static final ConfigKey<Double> PROMOTION_MARGIN = key("promotion.margin", "0.05",
      "promotion gate: a candidate may replace an alias target whose error on the candidate's held-out windows is"
          + " at most this fraction lower (0.05 = candidate error <= current * 1.05)", Settings::nonNegativeDouble);

  public static final ConfigKey<String> SCORER_OUTPUT_TOPIC = key("scorer.output-topic", "kaminari.scores",
      "topic the streaming scorer writes one JSON record per scored window and scope to (flag --output-topic)", s -> s);
  public static final ConfigKey<String> SCORER_DEAD_LETTER_TOPIC = key("scorer.dead-letter-topic",
      "kaminari.scores.dead-letters",
      "topic for input records the scorer cannot use: {reason, topic, partition, offset, index, raw}", s -> s);
  public static final ConfigKey<String> SCORER_MODEL = key("scorer.model", "flow-ae@champion",
      "the registry reference the scorer follows (flag --model): name@alias is polled and hot-reloaded, name/N is fixed",
      s -> s);
  public static final ConfigKey<Duration> SCORER_MODEL_POLL = key("scorer.model-poll-interval", "30s",
      "how often the scorer checks the model alias for a new version (one listing and a tiny read)",
      Durations::parse);
  public static final ConfigKey<Duration> SCORER_ALLOWED_LATENESS = key("scorer.allowed-lateness", "90s",
      "event-time watermark = max event time seen - this; a window closes (and is scored once) when the watermark"
          + " passes its end, and later records for it are counted as late and dropped; it must cover the exporters'"
          + " active timeout (60 s is common) plus their export delay", Durations::parse);
  public static final ConfigKey<Duration> SCORER_IDLE_TIMEOUT = key("scorer.idle-timeout", "5m",
      "wall-clock time after which an input partition that is read to its end and delivers nothing stops holding the"
          + " event-time watermark back (it rejoins when it delivers again; its flows for windows closed meanwhile are"
          + " late)", Durations::parse);
  public static final ConfigKey<Duration> SCORER_ARRIVAL_TOLERANCE = key("scorer.arrival-tolerance", "30s",
      "a flow moves the scorer's event-time watermark at most this far past its arrival (its Kafka record timestamp,"
          + " or the scorer's clock if that is earlier), so one exporter with a clock ahead cannot make the other"
          + " exporters' flows late; the flow itself still counts in its own window", Durations::parse);
  public static final ConfigKey<Duration> SCORER_MAX_EXPORTER_LAG = key("scorer.max-exporter-lag", "5m",
      "the scorer's watermark waits for an exporter (peer_ip_src) whose flows trail the freshest exporter's, measured"
          + " against their arrival (a clock behind, a slow export), by up to this much, so that its flows are not"
          + " late; an exporter further behind holds nothing back (its flows are late and counted); 0 = no waiting",
      Durations::parseOrZero);
  public static final ConfigKey<Duration> SCORER_MAX_GAP_FILL = key("scorer.max-gap-fill", "1h",
      "under the global scope, empty windows are scored (as the zero vector) for at most this much event time after"
          + " the last window with flows; the rest of a longer gap is skipped and counted in"
          + " kaminari_scorer_skipped_empty_windows_total", Durations::parse);
  public static final ConfigKey<Integer> SCORER_MAX_KEYS_PER_WINDOW = key("scorer.max-keys-per-window", "100000",
      "scope keys (destination prefixes) an open window holds at most; flows of further keys are featurised under the"
          + " scope key `overflow` and counted in kaminari_scorer_overflow_flows_total", Settings::positiveInt);
  public static final ConfigKey<Duration> SCORER_STALL_TIMEOUT = key("scorer.stall-timeout", "5m",
      "/healthz fails when the scoring loop has had input to commit, or failed to reach Kafka, for this long without"
          + " committing (also when the loop died or another scorer fenced it), so that Kubernetes restarts it",
      Durations::parse);
  public static final ConfigKey<String> SCORER_GROUP = key("scorer.group-id", "kaminari-scorer",
      "consumer group whose committed offsets (and window markers) the scorer resumes from; one scorer per group",
      s -> s);
  public static final ConfigKey<String> SCORER_MODE = key("scorer.mode", "single",
      "`single`: one scoring thread reads every input partition (one scorer per group); `scale-out`: a Kafka Streams"
          + " application whose instances share the partitions and merge per-window partials (docs/scorer.md,"
          + " \"Scaling out\")", Settings::scorerMode);
  public static final ConfigKey<Integer> SCORER_STREAM_THREADS = key("scorer.stream-threads", "1",
      "stream threads per scale-out scorer instance (scorer.mode=scale-out)", Settings::positiveInt);
  public static final ConfigKey<Duration> SCORER_FLUSH_INTERVAL = key("scorer.flush-interval", "1s",
      "how often a scale-out instance sends the partials of the windows its watermark has passed, and its watermark,"
          + " to the aggregators (scorer.mode=scale-out)", Durations::parse);
  public static final ConfigKey<String> SCORER_HTTP_HOST = key("scorer.http-host", "127.0.0.1",
      "address of the scorer's HTTP server (health, metrics, scores API, dashboard) (flag --http-host)", s -> s);
  public static final ConfigKey<Integer> SCORER_HTTP_PORT = key("scorer.http-port", "8088",
      "port of the scorer's HTTP server; 0 picks a free one (flag --http-port)", Settings::nonNegativeInt);
  public static final ConfigKey<String> SCORER_HTTP_AUTH_TOKEN_FILE = key("scorer.http-auth-token-file", "",
      "file holding a bearer token (a Secret volume); when set, /metrics, /api/ and the dashboard require"
          + " `Authorization: Bearer TOKEN` (/healthz and /readyz stay open for probes); empty = no authentication",
      s -> s);
  public static final ConfigKey<String> SCORER_CACHE = key("scorer.cache-dir", "${home}/scorer-cache",
      "local directory the scorer copies and verifies model versions into", s -> s);
  public static final ConfigKey<Integer> SCORER_RECENT = key("scorer.recent-results", "20000",
      "scored windows kept in memory for /api/scores and the dashboard", Settings::positiveInt);

  public static final ConfigKey<Integer> INCIDENT_QUIET_WINDOWS = key("incidents.quiet-windows", "3",
      "an incident ends after this many windows without an anomaly for its model, scope and victim; an anomaly"
          + " after fewer continues it (`kaminari incidents`)", Settings::positiveInt);
  public static final ConfigKey<Duration> INCIDENT_MAX_AGE = key("incidents.max-age", "1h",
      "the scorer's alert and mitigation relays skip incident states it wrote longer ago than this (by the incidents"
          + " topic's record time): a relay started on a topic with history, or under a new group, does not page for"
          + " the past; the states stay in the topic and on the dashboard", Durations::parse);
  public static final ConfigKey<Duration> INCIDENT_UPDATE_INTERVAL = key("incidents.update-interval", "15m",
      "the streaming scorer notifies an incident again (an update) after this much event time while its anomalous"
          + " windows go on, or at once when its peak score doubles; in between it only records the state",
      Durations::parse);
  public static final ConfigKey<String> SCORER_INCIDENTS_TOPIC = key("scorer.incidents-topic", "",
      "topic the streaming scorer writes each incident's state to (key: incident id; create it with"
          + " cleanup.policy=compact), in the transaction of the windows that changed it, and rebuilds its open"
          + " incidents from on a restart; empty = no incident tracking in the stream", s -> s);
  public static final ConfigKey<String> SCORER_MITIGATIONS_TOPIC = key("scorer.mitigations-topic", "",
      "topic the streaming scorer writes the mitigation proposals of each incident start and update to (key: incident"
          + " id; JSON with the proposals, their safety checks against the victim's flows read back from the input"
          + " topic, and `kaminari mitigate`'s text, and under mitigation.mode=auto the routes each incident holds);"
          + " nothing is announced unless mitigation.mode=auto; empty = none", s -> s);
  public static final ConfigKey<String> SCORER_MITIGATIONS_FILE = key("scorer.mitigations-file", "",
      "JSON-lines file the streaming scorer appends the same mitigation proposals to (see scorer.mitigations-topic);"
          + " empty = none", s -> s);
  public static final ConfigKey<String> ALERTS_ALERTMANAGER_URL = key("alerts.alertmanager-url", "",
      "Prometheus Alertmanager the streaming scorer sends incident starts, updates and resolutions to (POST"
          + " /api/v2/alerts under this URL, e.g. http://alertmanager.monitoring:9093); needs scorer.incidents-topic;"
          + " empty = none", s -> s);
  public static final ConfigKey<String> ALERTS_WEBHOOK_URL = key("alerts.webhook-url", "",
      "URL the streaming scorer POSTs each incident notification to as JSON (the incident state; headers"
          + " X-Kaminari-Delivery = incident id-seq for deduplication, X-Kaminari-Signature when alerts.webhook-secret"
          + " is set); needs scorer.incidents-topic; empty = none", s -> s);
  public static final ConfigKey<String> ALERTS_WEBHOOK_HEADERS = key("alerts.webhook-headers", "",
      "extra request headers of the webhook, `Name: value` pairs separated by `;` (not for credentials: use"
          + " alerts.webhook-auth-token, which is redacted)", s -> s);
  public static final ConfigKey<String> ALERTS_WEBHOOK_AUTH_TOKEN = key("alerts.webhook-auth-token", "",
      "bearer token the webhook requests carry (Authorization: Bearer ...); empty = none", s -> s);
  public static final ConfigKey<String> ALERTS_WEBHOOK_SECRET = key("alerts.webhook-secret", "",
      "HMAC-SHA256 key: each webhook request carries X-Kaminari-Signature: sha256=<hex HMAC of the body>; empty ="
          + " unsigned", s -> s);
  public static final ConfigKey<Integer> ALERTS_MAX_ATTEMPTS = key("alerts.max-attempts", "6",
      "attempts per notification and receiver (retries back off exponentially from alerts.retry-backoff, up to a"
          + " minute); after the last, or at once on a 4xx other than 408 and 429, it goes to alerts.dead-letter-file",
      Settings::positiveInt);
  public static final ConfigKey<Duration> ALERTS_RETRY_BACKOFF = key("alerts.retry-backoff", "1s",
      "wait before the first retry of a failed notification; doubled for each further one", Durations::parse);
  public static final ConfigKey<String> ALERTS_DEAD_LETTER_FILE = key("alerts.dead-letter-file", "",
      "JSON-lines file that notifications no receiver accepted are appended to ({receiver, error, attempts,"
          + " event}); empty = alerts-dead-letters.jsonl under home", s -> s);
  public static final ConfigKey<Duration> ALERTS_FIRING_VALIDITY = key("alerts.firing-validity", "1h",
      "Alertmanager's endsAt for a firing incident is now + this: an incident the scorer stops updating (it died,"
          + " or the incident went quiet without a resolution) expires there rather than firing forever",
      Durations::parse);
  public static final ConfigKey<Duration> INCIDENT_LOOKBACK = key("incidents.lookback", "24h",
      "`kaminari incidents --from T` also reads the scores of this much time before T, so an incident that started"
          + " earlier and is still running at T is updated rather than started again (docs/incidents.md)",
      Durations::parse);
  public static final ConfigKey<String> MITIGATION_NEXT_HOP_V4 = key("mitigation.next-hop-ipv4", "192.0.2.1",
      "next hop of the proposed IPv4 RTBH routes: an address your routers route to a discard interface", s -> s);
  public static final ConfigKey<String> MITIGATION_NEXT_HOP_V6 = key("mitigation.next-hop-ipv6", "100::1",
      "next hop of the proposed IPv6 RTBH routes (default: in the RFC 6666 discard-only prefix 100::/64)", s -> s);
  public static final ConfigKey<String> MITIGATION_FLOWSPEC_ACTION = key("mitigation.flowspec-action", "discard",
      "action of the proposed Flowspec rules: discard, or rate-limit:N (N bytes per second, RFC 8955 traffic-rate)",
      Settings::flowspecAction);
  public static final ConfigKey<Double> MITIGATION_MAX_BENIGN_SHARE = key("mitigation.max-benign-share", "0.01",
      "a discard rule or RTBH route is refused when it would hit more than this share of the flow records to the"
          + " victim in the reference period before the incident (0.01 = 1%)", Settings::share);
  public static final ConfigKey<Duration> MITIGATION_REFERENCE_PERIOD = key("mitigation.reference-period", "1h",
      "the period before an incident whose flows to the victim stand for its benign traffic in the safety check",
      Durations::parse);
  public static final ConfigKey<List<String>> MITIGATION_NEVER_BLACKHOLE = key("mitigation.never-blackhole", "",
      "comma-separated prefixes never proposed for an RTBH route (your own infrastructure, resolvers, customers who"
          + " opted out)", Settings::optionalList);
  /** {@code mitigation.mode}: print only. */
  public static final String MITIGATION_PROPOSE = "propose";
  /** {@code mitigation.mode}: {@code kaminari mitigate} also announces. */
  public static final String MITIGATION_ANNOUNCE = "announce";
  /** {@code mitigation.mode}: as {@code announce}, and the streaming scorer announces and withdraws by itself. */
  public static final String MITIGATION_AUTO = "auto";
  public static final ConfigKey<String> MITIGATION_MODE = key("mitigation.mode", MITIGATION_PROPOSE,
      "propose (print only, the default), announce: `kaminari mitigate` also sends the proposals that pass the"
          + " safety checks to ExaBGP's named pipe mitigation.exabgp-pipe or to GoBGP's API mitigation.gobgp-api (set"
          + " exactly one), or auto: as announce, and the streaming scorer also announces the proposals of its"
          + " incidents that pass the checks, without a person, and withdraws them when the incident resolves (needs"
          + " scorer.mitigations-topic). Announcing is the operator's decision",
      s -> oneOf(s, MITIGATION_PROPOSE, MITIGATION_ANNOUNCE, MITIGATION_AUTO));
  public static final ConfigKey<String> MITIGATION_EXABGP_PIPE = key("mitigation.exabgp-pipe", "",
      "ExaBGP's API named pipe (its exabgp.api.pipename, e.g. /run/exabgp/exabgp.in) that mitigation.mode=announce"
          + " and auto write to", s -> s);
  public static final ConfigKey<String> MITIGATION_GOBGP_API = key("mitigation.gobgp-api", "",
      "host:port of GoBGP's gRPC API (gobgpd --api-hosts) that mitigation.mode=announce and auto add the routes to,"
          + " with GoBGP's own client gobgp, which must be on the PATH", s -> s);

  public static final ConfigKey<String> BENCH_PYTHON = key("bench.python", "",
      "Python interpreter with torch for `kaminari bench train-pytorch` (and `bench all`); empty = the venv that"
          + " src/bench/python/setup.sh makes, .venv-bench/bin/python under the working directory", s -> s);

  public static final ConfigKey<String> EVALUATE_DEFINITION = key("evaluate.definition", "",
      "model definition JSON (the fields of models/flow-ae/definition.json; absent ones take the defaults) that"
          + " `kaminari evaluate` trains with, to compare threshold methods, trimming or the AR forecaster; empty ="
          + " the defaults", s -> s);

  private static <T> ConfigKey<T> key(String name, String def, String doc, Function<String, T> parser) {
    ConfigKey<T> k = new ConfigKey<>(name, def, doc, parser);
    KEYS.put(name, k);
    return k;
  }

  /** All declared keys, in declaration order. */
  public static List<ConfigKey<?>> all() {
    return List.copyOf(KEYS.values());
  }

  /** The declared key of this name, or null. */
  static ConfigKey<?> find(String name) {
    return KEYS.get(name);
  }

  /** Whether {@code name} is a pass-through setting rather than a declared key. */
  static boolean isPassThrough(String name) {
    return (name.startsWith(SPARK_PREFIX) || name.startsWith(KAFKA_PREFIX)) && !KEYS.containsKey(name);
  }

  /** A Hive identifier as Kaminari accepts one unquoted: lower-case letters, digits and '_', not starting with a digit. */
  private static String identifier(String s) {
    String v = s.strip();
    if (!v.matches("[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException("must be lower-case letters, digits and '_', not starting with a digit");
    }
    return v;
  }

  private static String oneOf(String s, String... allowed) {
    String v = s.trim();
    if (!Arrays.asList(allowed).contains(v)) {
      throw new IllegalArgumentException("must be one of " + String.join(", ", allowed));
    }
    return v;
  }

  private static String flowspecAction(String s) {
    String v = s.trim();
    if (v.equals("discard")) return v;
    if (v.startsWith("rate-limit:")) {
      long n = Long.parseLong(v.substring("rate-limit:".length()).trim());
      if (n < 0) throw new IllegalArgumentException("the rate must be >= 0 bytes per second");
      return "rate-limit:" + n;
    }
    throw new IllegalArgumentException("must be discard or rate-limit:N (bytes per second)");
  }

  private static double share(String s) {
    double v = Double.parseDouble(s.trim());
    if (!(v >= 0 && v <= 1)) throw new IllegalArgumentException("must be a share between 0 and 1");
    return v;
  }

  private static String scorerMode(String s) {
    if (!s.equals("single") && !s.equals("scale-out")) {
      throw new IllegalArgumentException("must be `single` or `scale-out`, not `" + s + "`");
    }
    return s;
  }

  private static int positiveInt(String s) {
    int v = Integer.parseInt(s.trim());
    if (v <= 0) throw new IllegalArgumentException("must be > 0");
    return v;
  }

  private static int nonNegativeInt(String s) {
    int v = Integer.parseInt(s.trim());
    if (v < 0) throw new IllegalArgumentException("must be >= 0");
    return v;
  }

  private static long positiveLong(String s) {
    long v = Long.parseLong(s.trim());
    if (v <= 0) throw new IllegalArgumentException("must be > 0");
    return v;
  }

  private static double nonNegativeDouble(String s) {
    double v = Double.parseDouble(s.trim());
    if (!(v >= 0) || Double.isInfinite(v)) throw new IllegalArgumentException("must be a finite number >= 0");
    return v;
  }

  /**
   * An absolute registry root URI. {@code file:} URIs and scheme-less paths are resolved against the working directory
   * here, because the default {@code file://${home}/models} with the default relative home ({@code ./var}) would
   * otherwise parse as a URI whose host is "." .
   */
  static URI storeUri(String s) {
    String v = s.trim();
    if (v.isEmpty()) throw new IllegalArgumentException("must not be empty");
    if (v.startsWith("file:") || !v.matches("^[a-zA-Z][a-zA-Z0-9+.\\-]*://.*")) {
      String path = v.startsWith("file:") ? v.substring("file:".length()) : v;
      if (path.startsWith("//")) path = path.substring(2); // file:///abs -> /abs, file://./var -> ./var
      if (path.isEmpty()) throw new IllegalArgumentException("names no directory");
      return Path.of(path).toAbsolutePath().normalize().toUri();
    }
    try {
      URI uri = new URI(v);
      if (uri.getPath() == null || uri.getPath().isEmpty() || uri.getPath().equals("/")) {
        throw new IllegalArgumentException("must name a directory below the file system root, e.g. " + uri
            + (v.endsWith("/") ? "" : "/") + "kaminari/models");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static Instant instant(String s) {
    try {
      return Instant.parse(s.trim());
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("not an RFC 3339 UTC time like 2000-01-01T00:00:00Z");
    }
  }

  private static List<String> list(String s) {
    List<String> out = optionalList(s);
    if (out.isEmpty()) throw new IllegalArgumentException("must name at least one");
    return out;
  }

  private static List<String> optionalList(String s) {
    return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }
}
