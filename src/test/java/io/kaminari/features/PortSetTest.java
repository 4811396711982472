package io.kaminari.features;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortSetTest {
  @Test
  void countsExactlyAcrossTheBitmapSwitch() {
    Random random = new Random(7);
    for (int n : new int[] {0, 1, 5, 1023, 1024, 5000, 200_000}) {
      PortSet set = new PortSet();
      Set<Integer> reference = new HashSet<>();
      for (int i = 0; i < n; i++) {
        int port = random.nextBoolean() ? random.nextInt(65536) : random.nextInt(8);
        set.add(port);
        reference.add(port);
      }
      assertThat(set.size()).as("n=%d", n).isEqualTo(reference.size());
    }
  }

  @Test
  void unionOfEveryRepresentation() {
    PortSet small = setOf(0, 10, 65535);
    PortSet big = new PortSet();
    for (int p = 0; p < 3000; p += 2) {
      big.add(p);
    }
    PortSet a = setOf(1, 10);
    a.addAll(small);
    assertThat(a.size()).isEqualTo(4);
    a.addAll(big);   // hash into bitmap
    assertThat(a.size()).isEqualTo(1500 + 2);  // + 1 and 65535
    PortSet b = new PortSet();
    b.addAll(big);
    b.addAll(setOf(1, 2));  // bitmap absorbing a hash set
    assertThat(b.size()).isEqualTo(1501);
  }

  private static PortSet setOf(int... ports) {
    PortSet set = new PortSet();
    for (int p : ports) {
      set.add(p);
    }
    return set;
  }
}
