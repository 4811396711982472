package io.kaminari.tools.generate;

/** Dotted-quad IPv4 text to and from an int, without InetAddress (which would accept host names and resolve them). */
final class Ipv4 {
  private Ipv4() {}

  /** The address as an int; rejects anything but canonical dotted-quad text, naming {@code what} in the message. */
  static int parse(String text, String what) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException(what + " must be an IPv4 address like 198.51.100.7, got '" + text + "'");
    }
    int value = 0;
    for (String part : parts) {
      boolean canonical = !part.isEmpty() && part.length() <= 3 && part.chars().allMatch(Character::isDigit)
          && (part.length() == 1 || part.charAt(0) != '0');
      int octet = canonical ? Integer.parseInt(part) : -1;
      if (octet < 0 || octet > 255) {
        throw new IllegalArgumentException(what + " must be an IPv4 address like 198.51.100.7, got '" + text + "'");
      }
      value = value << 8 | octet;
    }
    return value;
  }

  static String format(int address) {
    return (address >>> 24) + "." + (address >>> 16 & 255) + "." + (address >>> 8 & 255) + "." + (address & 255);
  }
}
