package io.kaminari.upstream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A minimal reader of classic libpcap files that returns the UDP payloads they carry: enough to replay captured
 * NetFlow/IPFIX export packets to a collector without root (tcpreplay would need raw sockets and address rewriting).
 *
 * <p>Handles both byte orders and both time resolutions, link types Ethernet (1, with 802.1Q/802.1ad tags), Linux
 * cooked capture (113, SLL) and v2 (276, SLL2), raw IP (101, 228, 229) and BSD loopback (0); IPv4 and IPv6 (without
 * extension headers). Anything else (pcapng, fragments, other link types) fails loudly rather than being skipped.
 */
final class Pcap {
  private Pcap() {}

  /** The UDP payloads of every packet of {@code file}, in capture order. */
  static List<byte[]> udpPayloads(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
    if (b.remaining() < 24) throw new IOException(file + ": too short for a pcap header");
    int magic = b.order(ByteOrder.BIG_ENDIAN).getInt(0);
    switch (magic) {
      case 0xa1b2c3d4, 0xa1b23c4d -> b.order(ByteOrder.BIG_ENDIAN);
      case 0xd4c3b2a1, 0x4d3cb2a1 -> b.order(ByteOrder.LITTLE_ENDIAN);
      case 0x0a0d0d0a -> throw new IOException(file + " is pcapng: convert it with `editcap -F pcap`");
      default -> throw new IOException(file + ": not a pcap file (magic " + Integer.toHexString(magic) + ")");
    }
    int linkType = b.getInt(20) & 0x0fffffff;
    b.position(24);
    List<byte[]> out = new ArrayList<>();
    int n = 0;
    while (b.remaining() >= 16) {
      b.getInt(); // ts_sec
      b.getInt(); // ts_usec / ts_nsec
      int incl = b.getInt();
      int orig = b.getInt();
      if (incl > b.remaining()) throw new IOException(file + ": packet " + n + " is truncated");
      byte[] frame = new byte[incl];
      b.get(frame);
      if (incl != orig) throw new IOException(file + ": packet " + n + " was captured with a snap length");
      out.add(udpPayload(file, n++, linkType, ByteBuffer.wrap(frame)));
    }
    return out;
  }

  private static byte[] udpPayload(Path file, int n, int linkType, ByteBuffer f) throws IOException {
    int etherType;
    int off;
    switch (linkType) {
      case 1 -> { // Ethernet
        etherType = f.getShort(12) & 0xffff;
        off = 14;
        while (etherType == 0x8100 || etherType == 0x88a8) {
          etherType = f.getShort(off + 2) & 0xffff;
          off += 4;
        }
      }
      case 113 -> { // Linux cooked capture v1
        etherType = f.getShort(14) & 0xffff;
        off = 16;
      }
      case 276 -> { // Linux cooked capture v2
        etherType = f.getShort(0) & 0xffff;
        off = 20;
      }
      case 0 -> { // BSD loopback: host-order address family
        int family = f.order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        f.order(ByteOrder.BIG_ENDIAN);
        etherType = family == 2 ? 0x0800 : 0x86dd;
        off = 4;
      }
      case 101, 228, 229 -> { // raw IP
        etherType = (f.get(0) >> 4) == 4 ? 0x0800 : 0x86dd;
        off = 0;
      }
      default -> throw new IOException(file + ": unsupported link type " + linkType);
    }
    int proto;
    int l4;
    if (etherType == 0x0800) {
      int flagsFrag = f.getShort(off + 6) & 0xffff;
      if ((flagsFrag & 0x3fff) != 0) throw new IOException(file + ": packet " + n + " is an IPv4 fragment");
      proto = f.get(off + 9) & 0xff;
      l4 = off + (f.get(off) & 0x0f) * 4;
    } else if (etherType == 0x86dd) {
      proto = f.get(off + 6) & 0xff;
      l4 = off + 40;
    } else {
      throw new IOException(file + ": packet " + n + " is not IP (ethertype " + Integer.toHexString(etherType) + ")");
    }
    if (proto != 17) throw new IOException(file + ": packet " + n + " is not UDP (protocol " + proto + ")");
    int udpLength = f.getShort(l4 + 4) & 0xffff;
    return Arrays.copyOfRange(f.array(), l4 + 8, l4 + udpLength);
  }
}
