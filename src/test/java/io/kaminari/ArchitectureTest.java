package io.kaminari;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package boundaries of {@code src/main}, as rules that fail the build when broken.
 *
 * <ul>
 *   <li>The Spark-free core ({@code common}, {@code flow}, {@code features}, {@code model}, {@code stream}, except their
 *       {@code spark} subpackages) uses neither Spark nor Scala nor any package that does: the streaming scorer's jar
 *       is exactly these packages (pom.xml), and it must run without Spark on its class path. So do
 *       {@code incidents} (not its {@code spark} subpackage), which the scorer tracks incidents with, and
 *       {@code alerts}, which sends them.
 *   <li>No stage imports the CLI: the arrows run from {@code cli} into the stages, never back.
 *   <li>{@code common} imports no stage (only the JDK, Jackson and Hadoop's file systems): it is what every stage may
 *       use.
 *   <li>No production package depends on the harness ({@code io.kaminari.tools}: generators, benchmarks, evaluation,
 *       the upstream chain, the embedded broker and their subcommands), and only the harness uses the Kafka broker:
 *       the production artifacts (kaminari-spark.jar, the jobs image's jar, the scorer) leave both out, and the
 *       broker is not even a runtime dependency (pom.xml, README "Where things live").
 * </ul>
 */
class ArchitectureTest {
  static final String[] SPARK_FREE = {
      "io.kaminari.common..", "io.kaminari.flow..", "io.kaminari.features..", "io.kaminari.model..",
      "io.kaminari.stream..", "io.kaminari.incidents..", "io.kaminari.alerts.."};
  static final String[] SPARK_SIDE = {
      "org.apache.spark..", "scala..", "io.kaminari..spark..", "io.kaminari.ingest..", "io.kaminari.scoring..",
      "io.kaminari.pipeline..", "io.kaminari.analyst..", "io.kaminari.retention..", "io.kaminari.tools..",
      "io.kaminari.cli.."};

  /** The broker's own packages (kafka_2.12, kafka-server, kafka-raft, ...), not the clients' org.apache.kafka.clients. */
  static final String[] BROKER = {
      "kafka..", "org.apache.kafka.raft..", "org.apache.kafka.metadata..", "org.apache.kafka.storage..",
      "org.apache.kafka.server.common..", "org.apache.kafka.coordinator..", "org.apache.kafka.controller.."};

  private static JavaClasses main;

  @BeforeAll
  static void importMain() {
    main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.kaminari");
    // A rule over no classes passes vacuously: make sure the import found the main classes.
    assertThat(main.containPackage("io.kaminari.stream")).isTrue();
    assertThat(main.size()).isGreaterThan(150);
  }

  @Test
  void sparkFreeCoreUsesNoSpark() {
    ArchRule rule = noClasses().that().resideInAnyPackage(SPARK_FREE).and().resideOutsideOfPackage("..spark..")
        .should().dependOnClassesThat().resideInAnyPackage(SPARK_SIDE)
        .because("the streaming scorer's jar is these packages and runs without Spark");
    rule.check(main);
  }

  @Test
  void noStageImportsTheCli() {
    noClasses().that().resideOutsideOfPackages("io.kaminari.cli..", "io.kaminari.tools.cli..")
        .should().dependOnClassesThat().resideInAPackage("io.kaminari.cli..")
        .because("the CLI calls the stages, never the other way round").check(main);
  }

  @Test
  void noProductionPackageDependsOnTheHarness() {
    noClasses().that().resideOutsideOfPackage("io.kaminari.tools..")
        .should().dependOnClassesThat().resideInAPackage("io.kaminari.tools..")
        .because("the production artifacts leave io.kaminari.tools out; its subcommands join the CLI through"
            + " cli.Subcommand").check(main);
  }

  @Test
  void onlyTheHarnessUsesTheKafkaBroker() {
    noClasses().that().resideOutsideOfPackage("io.kaminari.tools..")
        .should().dependOnClassesThat().resideInAnyPackage(BROKER)
        .because("the broker (kafka_2.12) is a provided dependency: on target/kaminari.jar's class path, in no"
            + " production artifact").check(main);
  }

  @Test
  void noScalaCollectionCompat() {
    // scala.jdk.* is Scala 2.13, or 2.12's scala-collection-compat, which only the broker brought to the class path:
    // a Spark 2.12 distribution (the DAG tests' cluster, the jobs image) runs without it.
    noClasses().should().dependOnClassesThat().resideInAPackage("scala.jdk..")
        .because("Spark's Scala 2.12 has scala.collection.JavaConverters, not scala.jdk").check(main);
  }

  @Test
  void commonImportsNoStage() {
    classes().that().resideInAPackage("io.kaminari.common..")
        .should().onlyDependOnClassesThat().resideInAnyPackage("io.kaminari.common..", "java..",
            "com.fasterxml.jackson..", "org.apache.hadoop..")
        .because("common is what every stage may use, so it must not depend on any of them").check(main);
  }
}
