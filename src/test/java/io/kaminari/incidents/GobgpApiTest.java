package io.kaminari.incidents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link GobgpApi}'s address and command-line text; {@code GobgpApiIT} runs it against a real GoBGP. */
class GobgpApiTest {
  @Test
  void addressesAndCommandLines() {
    assertThat(GobgpApi.connection("gobgp.mitigation.svc:50051")).containsExactly("-u", "gobgp.mitigation.svc",
        "-p", "50051");
    assertThat(GobgpApi.connection("[2001:db8::1]:50051")).containsExactly("-u", "2001:db8::1", "-p", "50051");
    for (String bad : List.of("", "gobgp", "gobgp:", "gobgp:99999", "2001:db8::1:50051", "host:50051; rm -rf /")) {
      assertThatThrownBy(() -> GobgpApi.connection(bad)).as(bad).hasMessageContaining("mitigation.gobgp-api must be"
          + " host:port");
    }
    assertThat(GobgpApi.commandLine(List.of("global", "tcp-flags", "S&!A", "it's", "==80", "65535:666,65535:65281")))
        .isEqualTo("gobgp global tcp-flags 'S&!A' 'it'\\''s' '==80' 65535:666,65535:65281");
  }
}
