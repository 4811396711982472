package io.kaminari.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The byte scans the parser relies on for equality. */
class BytesTest {

  @Test
  void sameBytesFindsADifferenceAtAnyPositionOfAnyLength() {
    for (int n = 0; n <= 40; n++) {
      byte[] known = new byte[n];
      for (int k = 0; k < n; k++) known[k] = (byte) ('a' + k % 26);
      // The slice sits at an offset inside a longer array, with different bytes around it.
      byte[] b = new byte[n + 13];
      Arrays.fill(b, (byte) '#');
      System.arraycopy(known, 0, b, 5, n);
      assertThat(Bytes.sameBytes(known, b, 5, n)).as("n=%d", n).isTrue();
      if (n > 0) assertThat(Bytes.sameBytes(known, b, 5, n - 1)).as("shorter, n=%d", n).isFalse();
      for (int k = 0; k < n; k++) {
        b[5 + k] ^= 1;
        assertThat(Bytes.sameBytes(known, b, 5, n)).as("n=%d, differs at %d", n, k).isFalse();
        b[5 + k] ^= 1;
      }
    }
  }
}
