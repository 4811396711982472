package io.kaminari.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaminari.flow.IpLiterals;
import io.kaminari.flow.PmacctParser;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The flow parser and the prefix keys share one IP grammar ({@link IpLiterals}): an address the parser keeps always
 * has a prefix, and one it rejects never does. Checked on the literals where two hand-written grammars tend to part.
 */
class IpGrammarAgreementTest {

  @ParameterizedTest(name = "[{index}] \"{0}\" is an address: {1}")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
      // zone ids: meaningless across routers, refused everywhere
      "fe80::1%eth0 | false", "fe80::1%1 | false", "fe80::%25eth0 | false", "::ffff:192.0.2.1%0 | false",
      // IPv4-mapped and embedded IPv4
      "::ffff:192.0.2.1 | true", "::FFFF:192.0.2.1 | true", "64:ff9b::192.0.2.33 | true", "::192.0.2.1 | true",
      "1:2:3:4:5:6:192.0.2.1 | true", "1:2:3:4:5:6:7:192.0.2.1 | false", "1:2:3:4:5:6::192.0.2.1 | false",
      "::ffff:192.0.2 | false", "::192.0.2.1:5 | false",
      // leading zeros: refused in IPv4 octets (octal to some readers), allowed in IPv6 groups
      "010.0.0.1 | false", "192.0.2.01 | false", "::ffff:192.0.2.01 | false", "2001:0db8:0000::0001 | true",
      "0.0.0.0 | true",
      // "::" and the number of groups
      ":: | true", "::1 | true", "1:: | true", "1:2:3:4:5:6:7:: | true", "::2:3:4:5:6:7:8 | true",
      "1:2:3:4:5:6:7:8 | true", "1:2:3:4:5:6:7 | false", "1:2:3:4:5:6:7:8:9 | false", "1:2:3:4:5:6:7:8:: | false",
      "1::2::3 | false", "::: | false", "1:::2 | false", ":1 | false", "1: | false", "12345:: | false",
      // case and digits
      "2001:DB8::ABCD | true", "2001:db8::AbCd | true", "g::1 | false", "２００１:db8::1 | false", "１.２.３.４ | false",
      // whitespace and decorations
      "' 192.0.2.1' | false", "'192.0.2.1 ' | false", "'2001:db8::1 ' | false", "'\t::1' | false",
      "[::1] | false", "192.0.2.0/24 | false", "192.0.2.1:80 | false", "'' | false", "localhost | false"})
  void parserAndPrefixKeysAgree(String ip, boolean address) {
    assertThat(IpLiterals.isIpLiteral(ip)).as("IpLiterals").isEqualTo(address);
    assertThat(parserKeeps(ip)).as("the parser keeps it").isEqualTo(address);
    if (address) {
      assertThat(IpPrefix.of(ip, 24, 64)).as("its prefix").matches(".+/(24|64)");
    } else {
      assertThatThrownBy(() -> IpPrefix.of(ip, 24, 64)).as("its prefix")
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an IP address literal");
    }
  }

  /** Whether the parser reads a record with {@code ip} as its destination as a flow (not a reject). */
  private static boolean parserKeeps(String ip) {
    String record = "{\"ip_src\": \"192.0.2.9\", \"ip_dst\": \"" + jsonEscaped(ip)
        + "\", \"packets\": 1, \"bytes\": 60, \"timestamp_start\": \"2024-05-01 10:00:00\"}";
    List<String> outcomes = new ArrayList<>();
    new PmacctParser(ZoneOffset.UTC).parse(record.getBytes(StandardCharsets.UTF_8), Long.MIN_VALUE,
        new PmacctParser.Sink() {
          @Override
          public void flow(int index, PmacctParser.Fields flow) {
            assertThat(flow.toFlow().ipDst()).isEqualTo(ip);
            outcomes.add("flow");
          }

          @Override
          public void marker(int index, String eventType) {
            outcomes.add("marker");
          }

          @Override
          public void reject(int index, String rawObject, String reason) {
            assertThat(reason).startsWith("ip_dst: not an IP address");
            outcomes.add("reject");
          }
        });
    assertThat(outcomes).hasSize(1);
    return outcomes.get(0).equals("flow");
  }

  private static String jsonEscaped(String s) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\' || c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
