package io.kaminari.flow;

import static io.kaminari.flow.Bytes.isDigit;

import java.nio.charset.StandardCharsets;

/**
 * The one grammar of IP address literals in Kaminari: what {@link PmacctParser} accepts as a flow address is what
 * {@code features.IpPrefix} accepts as a destination to key, checked by hand (never {@code InetAddress}, which would
 * resolve a name through DNS).
 *
 * <ul>
 *   <li><b>IPv4</b>: four decimal octets 0..255 separated by dots, without leading zeros ({@code 010.0.0.1} is
 *       refused: some readers take it as octal, others as decimal, so it names no single address).
 *   <li><b>IPv6</b> (RFC 4291 section 2.2): eight groups of 1 to 4 hex digits in either case, or fewer with exactly
 *       one {@code ::} standing for at least one zero group; the last two groups may be written as a dotted IPv4
 *       address ({@code ::ffff:192.0.2.1}, {@code 64:ff9b::192.0.2.33}) under the IPv4 rules above.
 *   <li><b>No zone id</b>: {@code fe80::1%eth0} is refused. A scope zone names an interface of the host that wrote
 *       the address, so it means nothing to another router, collector or this pipeline; dropping it silently would
 *       merge the link-local hosts of different links. A flow address carrying one is a reject, not a truncation.
 *   <li>Nothing else: no whitespace, brackets, prefix length or port around the address, and only ASCII characters.
 * </ul>
 *
 * <p>The byte forms read a slice of a message in place, allocation-free, for the parser's hot path.
 */
public final class IpLiterals {
  private IpLiterals() {}

  /** Whether {@code s} is an IPv4 or IPv6 literal; false for null. */
  public static boolean isIpLiteral(String s) {
    if (s == null) {
      return false;
    }
    // Latin-1 keeps ASCII as is and turns every other character into a byte no rule accepts ('?' or one >= 0x80).
    byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
    return isIpLiteral(b, 0, b.length);
  }

  /** Whether the ASCII text in {@code b[off, end)} is an IPv4 or IPv6 literal. */
  public static boolean isIpLiteral(byte[] b, int off, int end) {
    return isIpv4(b, off, end) || isIpv6(b, off, end);
  }

  /** Whether {@code b[off, end)} is a dotted-quad IPv4 literal. */
  public static boolean isIpv4(byte[] b, int off, int end) {
    int parts = 0;
    int i = off;
    while (true) {
      int start = i;
      int v = 0;
      while (i < end && i - start < 3 && isDigit(b[i])) {
        v = v * 10 + (b[i++] - '0');
      }
      // Leading zeros are refused: some readers take them as octal.
      if (i == start || v > 255 || (b[start] == '0' && i - start > 1)) {
        return false;
      }
      if (++parts == 4) {
        return i == end;
      }
      if (i == end || b[i] != '.') {
        return false;
      }
      i++;
    }
  }

  /** Whether {@code b[off, end)} is an IPv6 literal, possibly compressed and with an IPv4 tail. */
  public static boolean isIpv6(byte[] b, int off, int end) {
    int i = off;
    int groups = 0;
    boolean compressed = false;
    if (end - i >= 2 && b[i] == ':' && b[i + 1] == ':') {
      compressed = true;
      i += 2;
      if (i == end) {
        return true;
      }
    }
    while (true) {
      int start = i;
      while (i < end && i - start < 4 && isHexDigit(b[i])) {
        i++;
      }
      if (i == start) {
        return false;
      }
      if (i < end && b[i] == '.') {
        if (!isIpv4(b, start, end)) {
          return false;
        }
        groups += 2;
        break;
      }
      groups++;
      if (i == end) {
        break;
      }
      if (b[i] != ':' || ++i == end) {
        return false;
      }
      if (b[i] == ':') {
        if (compressed) {
          return false;
        }
        compressed = true;
        if (++i == end) {
          break;
        }
      }
    }
    return compressed ? groups < 8 : groups == 8;
  }

  private static boolean isHexDigit(int c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
}
