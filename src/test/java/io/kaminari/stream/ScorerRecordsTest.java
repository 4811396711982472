package io.kaminari.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The JSON of the scorer's records: field names fixed, round trips, idempotent keys. */
class ScorerRecordsTest {
  static final ScoredWindow W = new ScoredWindow(Instant.parse("2024-05-02T00:15:00Z"),
      Instant.parse("2024-05-02T00:16:00Z"), "global", "global", 8.9, 2.5, true, "flow-ae", 3, "abc",
      List.of(new ScoredWindow.Contribution("dst_port 80 src_ports", 0.85)), 1500, 4200);

  @Test
  void scoredWindowJsonHasTheDocumentedFieldsInOrderAndRoundTrips() {
    String json = new String(W.toJsonBytes(), StandardCharsets.UTF_8);
    assertThat(json).isEqualTo("{\"window_start\":\"2024-05-02T00:15:00Z\",\"window_end\":\"2024-05-02T00:16:00Z\","
        + "\"scope\":\"global\",\"scope_key\":\"global\",\"score\":8.9,\"threshold\":2.5,\"is_anomaly\":true,"
        + "\"model\":\"flow-ae\",\"model_version\":3,\"spec_id\":\"abc\",\"top_features\":[{\"feature\":"
        + "\"dst_port 80 src_ports\",\"share\":0.85}],\"flows\":1500,\"packets\":4200,\"ae_score\":8.9,"
        + "\"ae_threshold\":2.5,\"ar_score\":null,\"ar_threshold\":null,\"fired\":\"ae\",\"traffic_group\":null,"
        + "\"explanation\":[\"dst_port 80 src_ports (85%)\"],\"victim\":null}");
    assertThat(ScoredWindow.fromJson(W.toJsonBytes())).isEqualTo(W);
    // The production verdict of both detectors: score and threshold are the fused ones, each detector's apart.
    ScoredWindow fused = new ScoredWindow(W.windowStart(), W.windowEnd(), "global", "global", 1.6, 1.0, true,
        "flow-ae", 3, "abc", W.topFeatures(), 1500, 4200, 2.0, 2.5, 12.8, 8.0, "ar", null,
        List.of("dst_port 80 src_ports (85%)", "AR distinct sources +12.8σ", "dst prefix 203.0.113.0/24 (91%)"),
        "203.0.113.0/24");
    String fusedJson = new String(fused.toJsonBytes(), StandardCharsets.UTF_8);
    assertThat(fusedJson).contains("\"score\":1.6,\"threshold\":1.0,\"is_anomaly\":true")
        .contains("\"ae_score\":2.0,\"ae_threshold\":2.5,\"ar_score\":12.8,\"ar_threshold\":8.0,\"fired\":\"ar\"")
        .endsWith(",\"victim\":\"203.0.113.0/24\"}");
    assertThat(ScoredWindow.fromJson(fused.toJsonBytes())).isEqualTo(fused);
  }

  @Test
  void theKeyIgnoresTheVersionSoAReplayByAnotherVersionReplacesTheResult() {
    ScoredWindow other = new ScoredWindow(W.windowStart(), W.windowEnd(), W.scope(), W.scopeKey(), 1.0, 2.5, false,
        "flow-ae", 4, "abc", List.of(), 1500, 4200);
    assertThat(W.key()).isEqualTo("flow-ae|abc|global|global|2024-05-02T00:15:00Z").isEqualTo(other.key());
  }

  @Test
  void deadLetterAndCommitMarkerRoundTrip() {
    DeadLetter d = DeadLetter.of("missing required key ip_dst", "flows", 1, 42, 0, "{\"ip_src\":\"192.0.2.1\"}");
    assertThat(new String(d.toJsonBytes(), StandardCharsets.UTF_8))
        .isEqualTo("{\"reason\":\"missing required key ip_dst\",\"topic\":\"flows\",\"partition\":1,\"offset\":42,"
            + "\"index\":0,\"size\":22,\"truncated\":false,\"raw\":\"{\\\"ip_src\\\":\\\"192.0.2.1\\\"}\"}");
    assertThat(DeadLetter.fromJson(d.toJsonBytes())).isEqualTo(d);
    CommitMarker m = new CommitMarker(123, List.of(new CommitMarker.ModelFrom(1, Long.MIN_VALUE),
        new CommitMarker.ModelFrom(2, 456)), 789);
    assertThat(CommitMarker.parse(m.toJson())).isEqualTo(m);
    assertThat(CommitMarker.parse("")).isNull();
    assertThat(CommitMarker.parse("not json")).isNull();
  }

  /** Finding (issue 16): a 3 MB record's dead letter exceeded the producer's request size and wedged the scorer. */
  @Test
  void aDeadLetterKeepsABoundedExcerptAndTheSizeOfAnyInput() {
    String huge = "é".repeat(3 << 20);
    DeadLetter d = DeadLetter.of("x".repeat(1 << 20), "flows", 0, 7, -1, huge);
    assertThat(d.raw()).hasSize(DeadLetter.MAX_RAW_CHARS).isEqualTo(huge.substring(0, DeadLetter.MAX_RAW_CHARS));
    assertThat(d.reason()).hasSize(DeadLetter.MAX_REASON_CHARS);
    assertThat(d.size()).isEqualTo(2L * huge.length());
    assertThat(d.truncated()).isTrue();
    assertThat(d.toJsonBytes().length).isLessThan(64 * 1024); // far below the producer's default 1 MiB request
    // A cut never splits a surrogate pair (Jackson would refuse to write half of one).
    String emoji = "a" + "\uD83D\uDE00".repeat(DeadLetter.MAX_RAW_CHARS);
    DeadLetter e = DeadLetter.of("r", "flows", 0, 8, 0, emoji);
    assertThat(e.raw()).hasSize(DeadLetter.MAX_RAW_CHARS - 1).endsWith("\uD83D\uDE00");
    assertThat(e.size()).isEqualTo(1 + 4L * DeadLetter.MAX_RAW_CHARS);
    assertThat(DeadLetter.fromJson(e.toJsonBytes())).isEqualTo(e);
    assertThat(DeadLetter.of("r", "flows", 0, 9, 0, "short").truncated()).isFalse();
  }

  @Test
  void metricsRenderPrometheusText() {
    ScorerMetrics m = new ScorerMetrics();
    m.observeLatency(0.02);
    m.observeLatency(3);
    m.windowsScored.add(2);
    String text = m.render();
    assertThat(text).contains("# TYPE kaminari_scorer_windows_scored_total counter\nkaminari_scorer_windows_scored_total 2.0\n")
        .contains("kaminari_scorer_close_to_commit_seconds_bucket{le=\"0.025\"} 1\n")
        .contains("kaminari_scorer_close_to_commit_seconds_bucket{le=\"+Inf\"} 2\n")
        .contains("kaminari_scorer_close_to_commit_seconds_count 2\n")
        // The client library's JVM and process metrics, in base units.
        .containsPattern("(?m)^jvm_memory_used_bytes\\{area=\"heap\"} [0-9.E+]+$")
        .containsPattern("(?m)^process_cpu_seconds_total [0-9.E+-]+$")
        .contains("# TYPE jvm_gc_collection_seconds summary")
        .doesNotContain("_created");
  }
}
