package io.kaminari.features;

import io.kaminari.flow.IpLiterals;

/**
 * Parses an IPv4 or IPv6 literal by hand and renders its network prefix in canonical text ({@code 192.0.2.0/24},
 * {@code 2001:db8:1:2::/64}).
 *
 * <p>What is an address is decided by {@link IpLiterals}, the grammar the flow parser checks addresses with, so that
 * every flow the parser accepts has a prefix and nothing else does (no zone id, no leading zeros in IPv4 octets).
 * Hand-parsed because {@code InetAddress.getByName} would fall back to a DNS lookup on anything that is not a
 * literal, which on a per-flow path is both slow and a correctness hazard. IPv4-mapped IPv6 addresses
 * ({@code ::ffff:a.b.c.d}) are keyed as the IPv4 address they carry, so one host gets one prefix whichever form an
 * exporter used.
 */
public final class IpPrefix {
  private IpPrefix() {}

  /** The prefix of {@code ip} at the given lengths, in canonical text; an IPv4-mapped IPv6 address as IPv4. */
  public static String of(String ip, int ipv4PrefixLength, int ipv6PrefixLength) {
    if (!IpLiterals.isIpLiteral(ip)) {
      throw bad(ip);
    }
    if (ip.indexOf(':') < 0) {
      return ipv4Prefix(parseIpv4(ip, 0, ip.length()), ipv4PrefixLength);
    }
    int[] groups = parseIpv6(ip, ip.length());
    if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0 && groups[5] == 0xffff) {
      return ipv4Prefix(groups[6] << 16 | groups[7], ipv4PrefixLength);
    }
    return ipv6Prefix(groups, ipv6PrefixLength);
  }

  private static final int IPV4_TEXT_BITS = 12;

  /**
   * The IPv4 prefixes rendered last, direct-mapped by network and length. {@link #of} runs for every flow (top
   * destination prefixes under the global scope, the scope key under dst-prefix) and a network's flows repeat its
   * prefix, so a hit saves rendering the text, and returns the same String instance, whose hash is then computed once
   * and which the maps it keys compare by reference first. 4,096 entries: the prefixes of a window's traffic, about
   * 300 KB when full. Shared by all threads without locks: an entry is immutable
   * (final fields, so safely published), and a racing write only replaces one cached prefix by another.
   */
  private static final Ipv4Text[] IPV4_TEXT = new Ipv4Text[1 << IPV4_TEXT_BITS];

  private record Ipv4Text(int network, int length, String text) {}

  private static String ipv4Prefix(int address, int length) {
    int network = address & (int) (0xFFFF_FFFFL << (32 - length));
    int slot = ((network ^ length) * 0x9E3779B9) >>> (32 - IPV4_TEXT_BITS);
    Ipv4Text cached = IPV4_TEXT[slot];
    if (cached != null && cached.network == network && cached.length == length) {
      return cached.text;
    }
    String text = (network >>> 24) + "." + (network >>> 16 & 0xff) + "." + (network >>> 8 & 0xff) + "."
        + (network & 0xff) + "/" + length;
    IPV4_TEXT[slot] = new Ipv4Text(network, length, text);
    return text;
  }

  /** Masks to {@code length} bits and writes RFC 5952 text: lower case, no leading zeros, first longest zero run as "::". */
  private static String ipv6Prefix(int[] groups, int length) {
    for (int g = 0; g < 8; g++) {
      int keep = Math.max(0, Math.min(16, length - 16 * g));
      groups[g] &= (0xFFFF << (16 - keep)) & 0xFFFF;
    }
    int bestStart = -1;
    int bestLength = 1;
    for (int g = 0; g < 8; ) {
      if (groups[g] != 0) {
        g++;
        continue;
      }
      int end = g;
      while (end < 8 && groups[end] == 0) {
        end++;
      }
      if (end - g > bestLength) {
        bestStart = g;
        bestLength = end - g;
      }
      g = end;
    }
    StringBuilder text = new StringBuilder(44);
    for (int g = 0; g < 8; g++) {
      if (g == bestStart) {
        text.append("::");
        g += bestLength - 1;
        continue;
      }
      if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
        text.append(':');
      }
      text.append(Integer.toHexString(groups[g]));
    }
    return text.append('/').append(length).toString();
  }

  private static int parseIpv4(String s, int from, int to) {
    int address = 0;
    int octets = 0;
    int i = from;
    while (true) {
      int start = i;
      int value = 0;
      while (i < to && i - start < 3 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        value = value * 10 + (s.charAt(i++) - '0');
      }
      if (i == start || value > 255) {
        throw bad(s);
      }
      address = address << 8 | value;
      octets++;
      if (i == to) {
        break;
      }
      if (s.charAt(i) != '.' || octets == 4) {
        throw bad(s);
      }
      i++;
    }
    if (octets != 4) {
      throw bad(s);
    }
    return address;
  }

  /** The eight 16-bit groups of {@code s[0, to)}, expanding "::" and a trailing dotted IPv4 part. */
  private static int[] parseIpv6(String s, int to) {
    int[] groups = new int[8];
    int gap = s.indexOf("::");
    if (gap >= to) {
      gap = -1;
    }
    if (gap < 0) {
      if (parseGroups(s, 0, to, groups, 0) != 8) {
        throw bad(s);
      }
      return groups;
    }
    if (s.indexOf("::", gap + 1) >= 0 && s.indexOf("::", gap + 1) < to) {
      throw bad(s);
    }
    int left = gap == 0 ? 0 : parseGroups(s, 0, gap, groups, 0);
    int[] tail = new int[8];
    int right = gap + 2 == to ? 0 : parseGroups(s, gap + 2, to, tail, 0);
    if (left + right > 7) {
      throw bad(s);
    }
    System.arraycopy(tail, 0, groups, 8 - right, right);
    return groups;
  }

  /** Parses colon-separated hex groups of {@code s[from, to)} into {@code out}; returns how many groups it filled. */
  private static int parseGroups(String s, int from, int to, int[] out, int count) {
    int i = from;
    while (true) {
      int start = i;
      int value = 0;
      while (i < to && s.charAt(i) != ':') {
        int digit = Character.digit(s.charAt(i), 16);
        if (digit < 0 || i - start == 4) {
          break;
        }
        value = value << 4 | digit;
        i++;
      }
      if (i < to && s.charAt(i) == '.') {
        // A dotted IPv4 tail stands for the last two groups.
        if (count > 6) {
          throw bad(s);
        }
        int v4 = parseIpv4(s, start, to);
        out[count++] = v4 >>> 16;
        out[count++] = v4 & 0xffff;
        return count;
      }
      if (i == start || count == 8 || (i < to && s.charAt(i) != ':')) {
        throw bad(s);
      }
      out[count++] = value;
      if (i == to) {
        return count;
      }
      i++;
    }
  }

  private static IllegalArgumentException bad(String ip) {
    return new IllegalArgumentException("not an IP address literal: " + ip);
  }
}
