package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.HadoopLogin;
import io.kaminari.model.ModelRegistry;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.minikdc.MiniKdc;
import org.apache.hadoop.security.UserGroupInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged scorer reads its champion from a Kerberized HDFS: a real KDC (Hadoop's MiniKdc, Apache Kerby) and a
 * MiniDFSCluster that accepts Kerberos only. With {@code spark.kerberos.principal} and {@code spark.kerberos.keytab}
 * the scorer logs in from the keytab and loads the model, and, after its 15 s ticket has expired, the next promotion
 * too (with Hadoop's re-login barred, {@code hadoop.kerberos.min.seconds.before.relogin=600}, that second load fails);
 * without them HDFS refuses it and the log says why; a keytab that does not hold the principal stops the scorer at its
 * start with a clear message. The jobs' jar logs in the same way: {@code kaminari models list} reads the registry, and
 * {@code kaminari init} (a Spark driver in local mode, with the embedded metastore) creates its database on the
 * Kerberized HDFS as the principal, and fails without the keys. Each runs in a JVM of its own (as in production): a
 * Kerberos login is per JVM, and this one is the NameNode's.
 */
class KerberizedRegistryIT {
  /** The KDC's ticket lifetime. */
  private static final Duration TICKET = Duration.ofSeconds(15);
  /** Hadoop waits 60 s between two logins of one user by default; a test with 15 s tickets cannot. */
  private static final String RELOGIN_AFTER = "spark.hadoop.hadoop.kerberos.min.seconds.before.relogin=1";

  @TempDir Path tmp;

  @Test
  void theScorerLogsInFromItsKeytabAndLoadsTheChampionWhileHdfsRefusesItWithout() throws Exception {
    Properties kdcConf = MiniKdc.createConf();
    // Tickets that expire during the test: the scorer must log in again to see the next promotion.
    kdcConf.setProperty(MiniKdc.MAX_TICKET_LIFETIME, Long.toString(TICKET.toSeconds()));
    kdcConf.setProperty(MiniKdc.MIN_TICKET_LIFETIME, Long.toString(TICKET.toSeconds()));
    MiniKdc kdc = new MiniKdc(kdcConf, Files.createDirectories(tmp.resolve("kdc")).toFile());
    kdc.start();
    MiniDFSCluster cluster = null;
    try {
      String realm = kdc.getRealm();
      File servers = tmp.resolve("hdfs.keytab").toFile();
      kdc.createPrincipal(servers, "hdfs/localhost", "HTTP/localhost");
      File scorerKeytab = tmp.resolve("kaminari.keytab").toFile();
      kdc.createPrincipal(scorerKeytab, "kaminari/localhost");
      File otherKeytab = tmp.resolve("other.keytab").toFile();
      kdc.createPrincipal(otherKeytab, "other/localhost");

      cluster = secureHdfs(realm, servers);
      String store = cluster.getURI() + "/kaminari/models";
      // Published as the NameNode's principal (the superuser here); HDFS's default umask leaves it readable to all.
      ModelRegistry registry = new ModelRegistry(URI.create(store), cluster.getConfiguration(0));
      int version = ScorerFixture.publishChampion(registry, ScorerFixture.SPEC_60);
      String nnPrincipal = "spark.hadoop.dfs.namenode.kerberos.principal=hdfs/localhost@" + realm;

      // Logged in from the keytab: the champion loads, and so does the next one, promoted after the first ticket
      // expired.
      Scorer with = Scorer.run(tmp.resolve("with"), store, kdc.getKrb5conf(), nnPrincipal, RELOGIN_AFTER,
          HadoopLogin.PRINCIPAL + "=kaminari/localhost@" + realm, HadoopLogin.KEYTAB + "=" + scorerKeytab);
      try {
        assertThat(with.awaitMetric("kaminari_scorer_model_reload_successes_total", 1.0))
            .as("log: %s", with.log()).isTrue();
        assertThat(with.log()).contains(ScorerFixture.MODEL + "/" + version + " loaded and validated");
        Thread.sleep(TICKET.plusSeconds(5).toMillis());
        int next = ScorerFixture.publishChampion(registry, ScorerFixture.SPEC_60);
        assertThat(with.awaitMetric("kaminari_scorer_model_reload_successes_total", 2.0))
            .as("log: %s", with.log()).isTrue();
        assertThat(with.log()).contains(ScorerFixture.MODEL + "/" + next + " loaded and validated");
      } finally {
        with.stop();
      }

      // No login: HDFS accepts Kerberos only, and the scorer says so instead of loading.
      Scorer without = Scorer.run(tmp.resolve("without"), store, kdc.getKrb5conf(), nnPrincipal);
      try {
        assertThat(without.awaitLog("SIMPLE authentication is not enabled")).as("log: %s", without.log()).isTrue();
        assertThat(without.log()).contains("cannot read " + ScorerFixture.MODEL + "@champion from the registry");
        assertThat(without.metric("kaminari_scorer_model_reload_successes_total")).isZero();
      } finally {
        without.stop();
      }

      // A keytab that does not hold the principal: the scorer stops at once, naming both.
      Scorer wrong = Scorer.run(tmp.resolve("wrong"), store, kdc.getKrb5conf(), nnPrincipal,
          HadoopLogin.PRINCIPAL + "=kaminari/localhost@" + realm, HadoopLogin.KEYTAB + "=" + otherKeytab);
      try {
        assertThat(wrong.process.waitFor(60, TimeUnit.SECONDS)).as("log: %s", wrong.log()).isTrue();
        assertThat(wrong.process.exitValue()).isNotZero();
        assertThat(wrong.log()).contains("Kerberos login of kaminari/localhost@" + realm + " from " + otherKeytab
            + " failed");
      } finally {
        wrong.stop();
      }

      // The jobs' jar logs in the same way: `kaminari models` reads the registry, and a Spark job's driver (local
      // mode) creates its warehouse on the Kerberized HDFS, in a directory only the principal may write.
      String login = HadoopLogin.PRINCIPAL + "=kaminari/localhost@" + realm;
      String keytab = HadoopLogin.KEYTAB + "=" + scorerKeytab;
      Job models = Job.run(tmp.resolve("models"), kdc.getKrb5conf(), List.of("models", "list"), nnPrincipal, login,
          keytab, "model.store=" + store);
      assertThat(models.code()).as(models.out()).isZero();
      assertThat(models.out()).contains(ScorerFixture.MODEL);
      FileSystem fs = cluster.getFileSystem();
      org.apache.hadoop.fs.Path warehouse = new org.apache.hadoop.fs.Path("/kaminari/warehouse");
      fs.mkdirs(warehouse, new FsPermission((short) 0700));
      fs.setOwner(warehouse, "kaminari", null);
      Job init = Job.run(tmp.resolve("init"), kdc.getKrb5conf(), List.of("init", "--home",
          tmp.resolve("init").toString()), nnPrincipal, login, keytab, "warehouse.dir=" + cluster.getURI() + warehouse);
      assertThat(init.code()).as(init.out()).isZero();
      assertThat(fs.listStatus(warehouse)).as("the database directory, created by the principal").isNotEmpty()
          .allSatisfy(s -> assertThat(s.getOwner()).isEqualTo("kaminari"));
      Job refused = Job.run(tmp.resolve("refused"), kdc.getKrb5conf(), List.of("init", "--home",
          tmp.resolve("refused").toString()), nnPrincipal, "warehouse.dir=" + cluster.getURI() + warehouse);
      assertThat(refused.code()).as("without the login: %s", refused.out()).isNotZero();
    } finally {
      if (cluster != null) cluster.shutdown(true);
      kdc.stop();
    }
  }

  /** A run of {@code target/kaminari.jar} (the jobs' CLI) in a JVM of its own, to its end. */
  private record Job(int code, String out) {
    static Job run(Path dir, File krb5, List<String> args, String... settings) throws Exception {
      Files.createDirectories(dir);
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Djava.security.krb5.conf=" + krb5, "-jar", Path.of("target", "kaminari.jar").toAbsolutePath().toString()));
      cmd.addAll(args);
      for (String s : settings) cmd.addAll(List.of("-D", s));
      Path log = dir.resolve("log");
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile())
          .start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) p.destroyForcibly().waitFor();
      return new Job(p.exitValue(), Files.readString(log));
    }
  }

  /** One NameNode and one DataNode that accept Kerberos only, logged in as {@code hdfs/localhost} from the keytab. */
  private MiniDFSCluster secureHdfs(String realm, File keytab) throws Exception {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
    conf.set("hadoop.security.authentication", "kerberos");
    conf.set("hadoop.security.authorization", "true");
    for (String daemon : List.of("namenode", "datanode")) {
      conf.set("dfs." + daemon + ".kerberos.principal", "hdfs/localhost@" + realm);
      conf.set("dfs." + daemon + ".keytab.file", keytab.getPath());
    }
    conf.set("dfs.web.authentication.kerberos.principal", "HTTP/localhost@" + realm);
    conf.set("dfs.web.authentication.kerberos.keytab", keytab.getPath());
    conf.setBoolean("dfs.block.access.token.enable", true);
    // Secure DataNodes want privileged ports or SASL with HTTPS; a test on loopback takes neither.
    conf.setBoolean("ignore.secure.ports.for.testing", true);
    conf.set("dfs.http.policy", "HTTP_ONLY");
    conf.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 10);
    conf.setInt("hadoop.kerberos.min.seconds.before.relogin", 1);
    UserGroupInformation.setConfiguration(conf);
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    cluster.waitActive();
    return cluster;
  }

  /** The packaged scorer in a JVM of its own, with Kafka unreachable (the model is loaded all the same). */
  private record Scorer(Process process, Path logFile, int port) {
    static Scorer run(Path home, String store, File krb5, String... settings) throws Exception {
      Files.createDirectories(home);
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Djava.security.krb5.conf=" + krb5, "-jar", ScorerJarIT.JAR.toString(), "--home", home.toString(),
          "--bootstrap-servers", "127.0.0.1:1", "--topic", "nothing", "--http-port", Integer.toString(port),
          "--model-store", store, "--model", ScorerFixture.MODEL + "@champion", "-D", "scorer.model-poll-interval=1s",
          // Each poll on a new connection to the NameNode, which needs a valid ticket (an open one needs none).
          "-D", "spark.hadoop.ipc.client.connection.maxidletime=200"));
      for (String s : settings) cmd.addAll(List.of("-D", s));
      Path log = home.resolve("log");
      return new Scorer(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start(), log,
          port);
    }

    String log() throws Exception {
      return Files.readString(logFile);
    }

    /** The value of {@code name} on /metrics, or -1 while the scorer does not answer. */
    double metric(String name) throws Exception {
      try {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
            + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return body.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(
            l.substring(name.length() + 1))).findFirst().orElse(-1);
      } catch (java.io.IOException notYet) {
        return -1;
      }
    }

    boolean awaitMetric(String name, double value) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (System.nanoTime() < deadline && process.isAlive()) {
        if (metric(name) == value) return true;
        Thread.sleep(250);
      }
      return false;
    }

    boolean awaitLog(String text) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (System.nanoTime() < deadline && process.isAlive()) {
        if (log().contains(text)) return true;
        Thread.sleep(250);
      }
      return log().contains(text);
    }

    void stop() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
    }
  }
}
