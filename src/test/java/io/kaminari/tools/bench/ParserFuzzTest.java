package io.kaminari.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The CI-sized run of the parser fuzzing (issue 16); {@code kaminari bench fuzz} runs the 10-million-input one.
 */
class ParserFuzzTest {
  @Test
  void theParserKeepsItsContractOnMutatedAndAdversarialInput() {
    ParserFuzz.Result r = ParserFuzz.fuzz(100_000, 20261204L);
    assertThat(r.examples()).as("findings").isEmpty();
    assertThat(r.clean()).isTrue();
    // Not vacuous: the stream reached every outcome, and most inputs were not valid records.
    assertThat(r.flows()).isGreaterThan(5_000);
    assertThat(r.markers()).isGreaterThan(500);
    assertThat(r.rejects()).isGreaterThan(r.flows());
    assertThat(r.lines()).isEqualTo(r.flows() + r.markers() + r.rejects());
    assertThat(r.benchLine()).startsWith("BENCH fuzz inputs=100000 seed=20261204 ").contains(" parser_errors=0 ");
  }

  @Test
  void theSameSeedGivesTheSameInputs() {
    SplittableRandom a = new SplittableRandom(5);
    SplittableRandom b = new SplittableRandom(5);
    for (int i = 0; i < 1_000; i++) assertThat(ParserFuzz.Inputs.next(a)).isEqualTo(ParserFuzz.Inputs.next(b));
  }
}
