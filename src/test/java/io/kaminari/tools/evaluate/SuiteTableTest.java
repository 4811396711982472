package io.kaminari.tools.evaluate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SuiteTableTest {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A metrics.json as EvaluateJob writes it, with the blocks given (each "detector=precision,recall,f1,..."). */
  static JsonNode metrics(String... blocks) throws Exception {
    StringBuilder s = new StringBuilder("{\"window\":\"1m\"");
    for (String b : blocks) {
      String[] kv = b.split("=");
      String[] v = kv[1].split(",");
      s.append(",\"").append(kv[0]).append("\":{\"precision\":").append(v[0]).append(",\"recall\":").append(v[1])
          .append(",\"f1\":").append(v[2]).append(",\"events_detected\":").append(v[3]).append(",\"events\":")
          .append(v[4]).append(",\"mean_detection_delay_windows\":").append(v[5])
          .append(",\"false_alarms_per_day\":").append(v[6]).append(",\"roc_auc\":").append(v[7])
          .append(kv[0].equals("production") ? ",\"budget\":\"pot:1/day\"" : "").append("}");
    }
    return JSON.readTree(s.append(",\"ar\":{\"note\":\"no forecaster\"}}").toString());
  }

  @Test
  void readsEveryDetectorBlockAndSkipsOnesWithoutMetrics() throws Exception {
    SuiteTable.Entry e = SuiteTable.fromMetrics("demo-seed-7", metrics(
        "production=1.0,0.8,0.889,4,4,0.25,0.0,0.99", "autoencoder=0.5,0.6,0.545,3,4,null,2.5,null",
        "baseline=1.0,0.9,0.947,4,4,0.0,0.0,0.97"));
    assertThat(e.rows()).containsOnlyKeys("production", "autoencoder", "baseline");
    assertThat(e.budget()).isEqualTo("pot:1/day");
    assertThat(e.rows().get("autoencoder").eventRecall()).isEqualTo(0.75);
    assertThat(e.rows().get("autoencoder").meanDelayWindows()).isNaN();
    assertThat(e.beatsBaseline()).isFalse();
    String md = SuiteTable.markdown(List.of(e));
    assertThat(md.lines().toList()).hasSize(5);
    assertThat(md).contains("| demo-seed-7 | **production** | 1.000 | 0.800 | 0.889 | 4/4 | 0.25 | 0.00 | 0.990 |")
        .contains("| demo-seed-7 | autoencoder | 0.500 | 0.600 | 0.545 | 3/4 | - | 2.50 | - |")
        .doesNotContain("| AR |");
    assertThatThrownBy(() -> SuiteTable.fromMetrics("x", JSON.readTree("{\"baseline\":{\"f1\":1}}")))
        .hasMessageContaining("x: metrics.json has no production block");
  }

  @Test
  void summaryTakesTheWorstProductionFiguresAndCountsTies() throws Exception {
    SuiteTable.Entry a = SuiteTable.fromMetrics("a", metrics("production=1,1,0.9,3,3,0,0.5,1",
        "baseline=1,1,0.9,3,3,0,0,1"));
    SuiteTable.Entry b = SuiteTable.fromMetrics("b", metrics("production=1,0.5,0.6,1,2,0,2.25,1",
        "baseline=1,1,0.95,2,2,0,0,1"));
    SuiteTable.Summary s = SuiteTable.summary(List.of(a, b));
    assertThat(s.datasets()).isEqualTo(2);
    assertThat(s.beatsBaseline()).isEqualTo(1); // a ties the baseline's F1, b is below it
    assertThat(s.eventRecallMin()).isEqualTo(0.5);
    assertThat(s.falseAlarmsPerDayMax()).isEqualTo(2.25);
    assertThat(s.failed()).isZero();
    assertThat(s.line()).isEqualTo(
        "EVAL suite datasets=2 beats_baseline=1 event_recall_min=0.500 false_alarms_per_day_max=2.25");
  }

  @Test
  void aFailedDatasetKeepsItsRowAndSpoilsTheSummary() throws Exception {
    SuiteTable.Entry ok = SuiteTable.fromMetrics("a", metrics("production=1,1,1,3,3,0,0,1",
        "baseline=1,1,0.9,3,3,0,0,1"));
    SuiteTable.Entry bad = SuiteTable.Entry.failed("b", "evaluate exited 1: a | b");
    SuiteTable.Summary s = SuiteTable.summary(List.of(ok, bad));
    assertThat(s.failed()).isEqualTo(1);
    assertThat(s.beatsBaseline()).isEqualTo(1);
    assertThat(s.eventRecallMin()).isZero();
    assertThat(s.line()).endsWith("false_alarms_per_day_max=Infinity");
    assertThat(SuiteTable.markdown(List.of(ok, bad))).contains("| b | **failed**: evaluate exited 1: a \\| b |");
    Map<String, Object> json = SuiteTable.json(List.of(ok, bad));
    assertThat(json).containsEntry("failed", 1).containsEntry("false_alarms_per_day_max", null);
    assertThat(JSON.valueToTree(json).path("results").get(1).path("failure").asText()).startsWith("evaluate exited 1");
  }

  @Test
  void replacesOnlyTheMarkedSectionAndRefusesADocWithoutMarkers() {
    String doc = "# Eval\n\nbefore\n" + SuiteTable.BEGIN + "\nold table\n" + SuiteTable.END + "\nafter\n";
    String out = SuiteTable.replaceSection(doc, "| new |", "docs/evaluation.md");
    assertThat(out).isEqualTo("# Eval\n\nbefore\n" + SuiteTable.BEGIN + "\n| new |\n" + SuiteTable.END + "\nafter\n");
    assertThat(SuiteTable.replaceSection(out, "| newer |\n", "f")).contains("| newer |\n" + SuiteTable.END)
        .doesNotContain("| new |");
    assertThatThrownBy(() -> SuiteTable.replaceSection("# no markers\n", "x", "docs/x.md"))
        .hasMessageContaining("docs/x.md must hold exactly one " + SuiteTable.BEGIN);
    assertThatThrownBy(() -> SuiteTable.replaceSection(SuiteTable.END + "\n" + SuiteTable.BEGIN, "x", "f"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SuiteTable.replaceSection(doc + doc, "x", "f"))
        .isInstanceOf(IllegalArgumentException.class);
    // Markers quoted in a line of text (docs/evaluation.md explains --doc with them) are not marker lines.
    String quoted = "`--doc` replaces what lies between `" + SuiteTable.BEGIN + "` and `" + SuiteTable.END + "`\n";
    assertThat(SuiteTable.replaceSection(quoted + doc, "| new |", "f")).isEqualTo(quoted + out);
    assertThatThrownBy(() -> SuiteTable.replaceSection(quoted, "x", "f")).isInstanceOf(IllegalArgumentException.class);
  }
}
