package io.kaminari.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * The Hadoop client settings of a configuration, and the Kerberos login of Kaminari's own Hadoop clients (the model
 * registry, the warehouse's file system in local and client mode) from a keytab.
 *
 * <p>The login is configured with Spark's own keys, {@link #PRINCIPAL} and {@link #KEYTAB}, so that a job and the
 * streaming scorer, which has no Spark, are configured alike; {@code spark.hadoop.*} settings (or the
 * {@code core-site.xml} on the class path) give the rest of the Hadoop side, and {@code -Djava.security.krb5.conf} or
 * {@code /etc/krb5.conf} the realm. A long-running process needs nothing more: when a ticket has expired, Hadoop's
 * RPC client logs in again from the keytab by itself ({@code KerberizedRegistryIT} promotes a model after the first
 * ticket expired).
 */
public final class HadoopLogin {
  /** Spark's key for the principal to log in as ({@code kaminari/host@REALM}); a pass-through key. */
  public static final String PRINCIPAL = "spark.kerberos.principal";
  /** Spark's key for the keytab holding the principal's keys; a pass-through key. */
  public static final String KEYTAB = "spark.kerberos.keytab";
  /** Hadoop's key for its authentication method, which a login sets to {@code kerberos}. */
  private static final String AUTHENTICATION = "hadoop.security.authentication";
  private static final String HADOOP_PREFIX = Settings.SPARK_PREFIX + "hadoop.";

  /** The principal this JVM logged in as through {@link #ensure}, or null; guarded by the class. */
  private static String loggedIn;

  private HadoopLogin() {}

  /** A Hadoop configuration with every {@code spark.hadoop.*} setting of {@code config} applied, prefix removed. */
  public static Configuration configuration(KaminariConfig config) {
    Configuration conf = new Configuration();
    config.passThrough(HADOOP_PREFIX).forEach((k, v) -> conf.set(k.substring(HADOOP_PREFIX.length()), v));
    return conf;
  }

  /**
   * Logs this JVM in from the keytab when {@code config} sets both {@link #PRINCIPAL} and {@link #KEYTAB}; does
   * nothing when it sets neither. Once per principal, unless Hadoop has since been turned back to simple
   * authentication: its login state is the JVM's, and code that hands it a configuration without Kerberos (Spark
   * does, while its session starts) resets it.
   *
   * @throws IllegalArgumentException when only one is set, or the keytab is not a readable file
   * @throws UncheckedIOException when the KDC refuses the login (the message carries its reason)
   */
  public static synchronized void ensure(KaminariConfig config) {
    Map<String, String> spark = config.passThrough(Settings.SPARK_PREFIX);
    String principal = spark.getOrDefault(PRINCIPAL, "").trim();
    String keytab = spark.getOrDefault(KEYTAB, "").trim();
    if (principal.isEmpty() && keytab.isEmpty()) return;
    if (principal.isEmpty() || keytab.isEmpty()) {
      throw new IllegalArgumentException("a Kerberos login needs both " + PRINCIPAL + " and " + KEYTAB + " (got "
          + (principal.isEmpty() ? KEYTAB : PRINCIPAL) + " only)");
    }
    if (!Files.isRegularFile(Path.of(keytab)) || !Files.isReadable(Path.of(keytab))) {
      throw new IllegalArgumentException(KEYTAB + " " + keytab + " is not a readable file");
    }
    if (principal.equals(loggedIn) && UserGroupInformation.isSecurityEnabled()) return;
    Configuration conf = configuration(config);
    // The principal says Kerberos, whatever a default core-site.xml says.
    conf.set(AUTHENTICATION, "kerberos");
    UserGroupInformation.setConfiguration(conf);
    try {
      UserGroupInformation.loginUserFromKeytab(principal, keytab);
    } catch (IOException e) {
      throw new UncheckedIOException("Kerberos login of " + principal + " from " + keytab + " failed (check the"
          + " principal, the keytab's key version and the realm in krb5.conf): " + e.getMessage(), e);
    }
    loggedIn = principal; // Hadoop logs the login itself
  }
}
