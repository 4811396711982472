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

  /** An IPv4 prefix: {@code base} with its host bits zero, and its length 0..32. */
  record Prefix(int base, int length) {
    /** The mask of the prefix's network bits. */
    int mask() {
      return length == 0 ? 0 : -1 << (32 - length);
    }

    boolean contains(int address) {
      return (address & mask()) == base;
    }

    /** The addresses of a /16 or narrower prefix that end neither in .0 nor in .255 (assignable to hosts), in order. */
    int[] hosts() {
      if (length < 16) {
        throw new IllegalStateException("hosts() lists at most a /16, got " + this);
      }
      int size = 1 << (32 - length);
      int[] out = new int[size];
      int n = 0;
      for (int i = 0; i < size; i++) {
        int a = base + i;
        if ((a & 255) != 0 && (a & 255) != 255) out[n++] = a;
      }
      return java.util.Arrays.copyOf(out, n);
    }

    @Override
    public String toString() {
      return format(base) + "/" + length;
    }
  }

  /** CIDR text {@code a.b.c.d/len} as a prefix; the host bits must be zero. Names {@code what} in the message. */
  static Prefix parsePrefix(String text, String what) {
    int slash = text.indexOf('/');
    String len = slash < 0 ? "" : text.substring(slash + 1);
    if (slash < 0 || len.isEmpty() || len.length() > 2 || !len.chars().allMatch(Character::isDigit)
        || Integer.parseInt(len) > 32) {
      throw new IllegalArgumentException(what + " must be an IPv4 prefix like 198.51.100.0/24, got '" + text + "'");
    }
    int base = parse(text.substring(0, slash), what);
    Prefix p = new Prefix(base, Integer.parseInt(len));
    if ((base & p.mask()) != base) {
      throw new IllegalArgumentException(what + " " + text + " has host bits set: did you mean "
          + format(base & p.mask()) + "/" + len + "?");
    }
    return p;
  }
}
