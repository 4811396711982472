package io.kaminari.incidents;

import io.kaminari.features.IpPrefix;
import io.kaminari.features.Scope;
import java.util.List;

/** The victim of an anomalous window, and which flows go to it. */
public final class Victims {
  private Victims() {}

  /**
   * The victim of a window: under {@code dst-prefix} its scope key; under {@code global} the first of the window's
   * top destination prefixes (the port_vectors summary, {@code 203.0.113.0/24 (91%)}) without its share; null when a
   * global window has no summary (rows written before the summaries existed, or a window without traffic).
   */
  public static String of(String scope, String scopeKey, List<String> topDstPrefixes) {
    if (Scope.parse(scope) == Scope.DST_PREFIX) return scopeKey;
    if (topDstPrefixes == null || topDstPrefixes.isEmpty()) return null;
    return Shares.key(topDstPrefixes.get(0));
  }

  /**
   * Whether {@code ip} lies in {@code victim}, a prefix in canonical text ({@code 203.0.113.0/24},
   * {@code 2001:db8::/64}, {@code 203.0.113.10/32}); false for anything that is not an address.
   */
  public static boolean contains(String victim, String ip) {
    if (ip == null) return false;
    int slash = victim.lastIndexOf('/');
    int length = Integer.parseInt(victim.substring(slash + 1));
    boolean v6 = victim.indexOf(':') >= 0;
    try {
      return IpPrefix.of(ip, v6 ? 32 : length, v6 ? length : 128).equals(victim);
    } catch (IllegalArgumentException notAnAddress) {
      return false;
    }
  }

  /** {@code ip} as a host prefix in canonical text: {@code 203.0.113.10/32}, {@code 2001:db8::10/128}. */
  public static String hostPrefix(String ip) {
    return IpPrefix.of(ip, 32, 128);
  }
}
