package io.kaminari.incidents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.common.KaminariConfig;
import io.kaminari.common.Settings;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link GobgpApi}'s address, command-line text and withdrawals, {@link ExabgpPipe}'s withdrawals and which target
 * {@link Announcer#of} picks; {@code GobgpApiIT} runs them against a real GoBGP.
 */
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

  @Test
  void aWithdrawalIsTheAnnouncementWithItsVerbTurned() {
    assertThat(GobgpApi.withdrawal(List.of("global", "rib", "-a", "ipv4-flowspec", "add", "match", "destination",
        "203.0.113.10/32", "then", "discard"))).containsExactly("global", "rib", "-a", "ipv4-flowspec", "del", "match",
        "destination", "203.0.113.10/32", "then", "discard");
    assertThatThrownBy(() -> GobgpApi.withdrawal(List.of("global", "rib"))).hasMessageContaining("not a gobgp command"
        + " adding a route");
    String rule = " flow route { match { destination 203.0.113.10/32; } then { discard; } }";
    assertThat(ExabgpPipe.withdrawal("announce" + rule)).isEqualTo("withdraw" + rule);
    assertThatThrownBy(() -> ExabgpPipe.withdrawal("withdraw route 203.0.113.10/32")).hasMessageContaining("not an"
        + " ExaBGP announce command");
  }

  @Test
  void theModeAnnouncesThroughExactlyOneTarget() {
    KaminariConfig none = KaminariConfig.defaults().with(Settings.MITIGATION_GOBGP_API, "127.0.0.1:50051");
    assertThat(Announcer.of(none)).as("propose, the default, announces nothing").isNull();
    for (String mode : List.of("announce", "auto")) {
      KaminariConfig c = KaminariConfig.defaults().with(Settings.MITIGATION_MODE, mode);
      assertThat(Announcer.of(c.with(Settings.MITIGATION_GOBGP_API, "127.0.0.1:50051")))
          .isEqualTo(new Announcer.Gobgp("127.0.0.1:50051"));
      assertThat(Announcer.of(c.with(Settings.MITIGATION_EXABGP_PIPE, "/run/exabgp/exabgp.in")).target())
          .isEqualTo("ExaBGP's pipe /run/exabgp/exabgp.in");
      assertThatThrownBy(() -> Announcer.of(c)).hasMessage("mitigation.mode=" + mode + " needs exactly one of"
          + " mitigation.exabgp-pipe (ExaBGP's API pipe) and mitigation.gobgp-api (GoBGP's API address)");
      assertThatThrownBy(() -> Announcer.of(c.with(Settings.MITIGATION_GOBGP_API, "127.0.0.1:50051")
          .with(Settings.MITIGATION_EXABGP_PIPE, "/run/exabgp/exabgp.in"))).hasMessageContaining("exactly one");
      assertThatThrownBy(() -> Announcer.of(c.with(Settings.MITIGATION_GOBGP_API, "gobgp")))
          .hasMessageContaining("mitigation.gobgp-api must be host:port");
    }
  }
}
