package io.kaminari.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionSpecTest {
  @Test
  void anHourPartitionEndsAtTheNextHourADayPartitionAtMidnight() {
    PartitionSpec scores = PartitionSpec.parse("dt=2024-05-01/hour=23/model_name=flow-ae/model_version=3");
    assertThat(scores.end()).isEqualTo(Instant.parse("2024-05-02T00:00:00Z"));
    assertThat(scores.sql()).isEqualTo("dt='2024-05-01', hour='23', model_name='flow-ae', model_version='3'");
    assertThat(PartitionSpec.parse("dt=2024-05-01").end()).isEqualTo(Instant.parse("2024-05-02T00:00:00Z"));
  }

  @Test
  void onlyPartitionsWhollyBeforeTheCutoffExpire() {
    List<PartitionSpec> specs = List.of(PartitionSpec.parse("dt=2024-05-01/hour=10"),
        PartitionSpec.parse("dt=2024-05-01/hour=11"), PartitionSpec.parse("dt=2024-05-01/hour=12"),
        PartitionSpec.parse("dt=2024-05-01"));
    // 12:00 exactly: hour 11 ends there and goes; hour 12 and the day reach past it and stay whole.
    assertThat(RetainJob.expired(specs, Instant.parse("2024-05-01T12:00:00Z"))).extracting(PartitionSpec::text)
        .containsExactly("dt=2024-05-01/hour=10", "dt=2024-05-01/hour=11");
    assertThat(RetainJob.expired(specs, Instant.parse("2024-05-01T11:59:59Z"))).hasSize(1);
    assertThat(RetainJob.expired(specs, Instant.parse("2024-05-02T00:00:00Z"))).hasSize(4);
  }

  @Test
  void refusesWhatItCannotQuoteOrDate() {
    assertThatThrownBy(() -> PartitionSpec.parse("hour=3")).hasMessageContaining("has no dt");
    assertThatThrownBy(() -> PartitionSpec.parse("dt=2024-05-01/model_name=it's")).hasMessageContaining("does not quote");
    assertThatThrownBy(() -> PartitionSpec.parse("dt=2024-05-01/x=a%2Fb")).hasMessageContaining("does not quote");
    assertThatThrownBy(() -> PartitionSpec.parse("garbage")).hasMessageContaining("not a partition spec");
    assertThatThrownBy(() -> PartitionSpec.parse("dt=yesterday").end()).hasMessageContaining("not a date");
  }
}
