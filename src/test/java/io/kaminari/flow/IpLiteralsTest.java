package io.kaminari.flow;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The IP literal grammar: what it accepts, what it refuses, and that the byte form reads only its slice. */
class IpLiteralsTest {

  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "10.0.0.1", "192.0.2.1", "255.255.255.255", "::", "::1", "1::", "fe80::1",
      "2001:db8::1", "2001:DB8::AbCd", "2001:0db8:0000:0000:0000:0000:0000:0001", "1:2:3:4:5:6:7:8",
      "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::8", "::ffff:192.0.2.1", "::FFFF:192.0.2.1", "64:ff9b::192.0.2.33",
      "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1::1.2.3.4", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"})
  void acceptsLiterals(String ip) {
    assertThat(IpLiterals.isIpLiteral(ip)).isTrue();
    assertThat(inPlace(ip)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "fe80::1%eth0", "fe80::1%1", "fe80::%eth0", "::ffff:192.0.2.1%0", "%eth0",
      "010.0.0.1", "1.2.3.04", "00.0.0.0", "0.0.0.00", "::ffff:010.0.0.1", "256.1.1.1", "1.2.3", "1.2.3.4.5",
      "1..2.3", "1.2.3.", ".1.2.3", "1.2.3.4:80", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8",
      "1:2:3:4:5:6::1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:1.2.3.4", "::1.2.3", "::1.2.3.4:5", "1::2::3",
      ":::", "1:::2", "12345::", "::12345", "g::1", "1:2:3:4:5:6:7", ":1", "1:", ":1::", " 192.0.2.1",
      "192.0.2.1 ", "2001:db8::1 ", "\t::1", "::1\n", "[::1]", "192.0.2.1/24", "2001:db8::/32", "localhost",
      "0x7f.0.0.1", "１.２.３.４", "２００１:db8::1", "١٢::1", "::ffff:1.2.3.4\u0000"})
  void refusesEverythingElse(String ip) {
    assertThat(IpLiterals.isIpLiteral(ip)).isFalse();
    assertThat(inPlace(ip)).isFalse();
  }

  @Test
  void nullIsNoLiteral() {
    assertThat(IpLiterals.isIpLiteral((String) null)).isFalse();
  }

  @Test
  void octetsAreDecimal0To255WithoutLeadingZeros() {
    for (int width = 1; width <= 4; width++) {
      for (int v = 0; v < Math.pow(10, width); v++) {
        String octet = String.format("%0" + width + "d", v);
        boolean valid = v <= 255 && octet.equals(Integer.toString(v));
        assertThat(IpLiterals.isIpLiteral("192.0." + octet + ".1")).as(octet).isEqualTo(valid);
        assertThat(IpLiterals.isIpLiteral("::ffff:192.0.2." + octet)).as(octet).isEqualTo(valid);
      }
    }
  }

  /** Random addresses in every written form pmacct or a person may use are accepted; broken forms are not. */
  @Test
  void everyFormOfRandomAddressesIsAcceptedAndItsBreakagesAreNot() {
    Random random = new Random(11);
    for (int n = 0; n < 20_000; n++) {
      int[] groups = new int[8];
      for (int g = 0; g < 8; g++) {
        // Zero runs are frequent in real addresses and make "::" likely.
        groups[g] = random.nextInt(3) == 0 ? 0 : random.nextInt(1 << (4 * (1 + random.nextInt(4))));
      }
      for (String text : forms(groups, random)) {
        assertThat(IpLiterals.isIpLiteral(text)).as(text).isTrue();
        // One more group fits only where "::" stands for two zero groups or more: at most 6 written groups.
        long written = Arrays.stream(text.split(":")).filter(group -> !group.isEmpty()).count();
        boolean roomForOneMore = text.contains("::") && !text.endsWith("::") && !text.contains(".") && written <= 6;
        assertThat(IpLiterals.isIpLiteral(text + ":1")).as(text + ":1").isEqualTo(roomForOneMore);
        assertThat(IpLiterals.isIpLiteral(text + "%eth0")).as(text + "%eth0").isFalse();
        assertThat(IpLiterals.isIpLiteral(text + " ")).isFalse();
      }
    }
  }

  /** Full, zero-padded, upper-case, "::"-compressed and IPv4-tailed texts of the same eight groups. */
  private static List<String> forms(int[] groups, Random random) {
    List<String> out = new ArrayList<>();
    StringBuilder full = new StringBuilder();
    StringBuilder padded = new StringBuilder();
    for (int g = 0; g < 8; g++) {
      full.append(g == 0 ? "" : ":").append(Integer.toHexString(groups[g]));
      padded.append(g == 0 ? "" : ":").append(String.format("%04x", groups[g]));
    }
    out.add(full.toString());
    out.add(padded.toString().toUpperCase());
    int start = random.nextInt(8);
    int end = start + 1 + random.nextInt(8 - start);
    StringBuilder compressed = new StringBuilder();
    for (int g = 0; g < 8; g++) {
      if (g == start) {
        compressed.append("::");
        g = end - 1;
      } else {
        compressed.append(compressed.length() == 0 || compressed.charAt(compressed.length() - 1) == ':' ? "" : ":")
            .append(Integer.toHexString(groups[g]));
      }
    }
    out.add(compressed.toString());
    StringBuilder tailed = new StringBuilder();
    for (int g = 0; g < 6; g++) {
      tailed.append(Integer.toHexString(groups[g])).append(':');
    }
    out.add(tailed.append(groups[6] >>> 8).append('.').append(groups[6] & 0xff).append('.').append(groups[7] >>> 8)
        .append('.').append(groups[7] & 0xff).toString());
    return out;
  }

  /** The byte form over the literal framed by bytes that would change the verdict if read. */
  private static boolean inPlace(String ip) {
    byte[] literal = ip.getBytes(StandardCharsets.UTF_8);
    byte[] framed = new byte[literal.length + 4];
    framed[0] = '1';
    framed[1] = ':';
    System.arraycopy(literal, 0, framed, 2, literal.length);
    framed[literal.length + 2] = ':';
    framed[literal.length + 3] = '1';
    return IpLiterals.isIpLiteral(framed, 2, 2 + literal.length);
  }
}
