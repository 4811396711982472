package io.kaminari.tools.upstream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A minimal reader and writer of classic libpcap files. {@link #udpPayloads} returns the UDP payloads a capture carries:
 * enough to replay captured NetFlow/IPFIX export packets to a collector without root (tcpreplay would need raw sockets
 * and address rewriting). {@link #read} and {@link #write} move Ethernet frames between files, which is how attack
 * captures are time-shifted and merged into generated background traffic for softflowd.
 *
 * <p>Handles both byte orders and both time resolutions, link types Ethernet (1, with 802.1Q/802.1ad tags), Linux
 * cooked capture (113, SLL) and v2 (276, SLL2), raw IP (101, 228, 229) and BSD loopback (0); IPv4 and IPv6 (without
 * extension headers). Anything else (pcapng, fragments, other link types) fails loudly rather than being skipped.
 */
public final class Pcap {
  private Pcap() {}

  /** Link type of the captures this class writes: Ethernet. */
  static final int ETHERNET = 1;

  /**
   * One captured frame: its time in microseconds since the epoch, the captured bytes and the length it had on the wire
   * (larger than {@code frame.length} when only the headers were kept, which is all a flow exporter reads).
   */
  public record Packet(long micros, byte[] frame, int wireLength) {
    /** The same frame {@code deltaMicros} later: how a capture is moved to a known time. */
    public Packet shift(long deltaMicros) {
      return new Packet(micros + deltaMicros, frame, wireLength);
    }
  }

  /**
   * Every frame of a classic libpcap capture of Ethernet frames ({@code name} only names it in errors), in file order.
   * Other link types and pcapng fail: the merged captures this package writes are Ethernet.
   */
  public static List<Packet> read(byte[] capture, String name) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(capture);
    boolean nanos = order(b, name);
    int linkType = b.getInt(20) & 0x0fffffff;
    if (linkType != ETHERNET) throw new IOException(name + ": link type " + linkType + ", not Ethernet");
    b.position(24);
    List<Packet> out = new ArrayList<>();
    while (b.remaining() >= 16) {
      long sec = b.getInt() & 0xffffffffL;
      long frac = b.getInt() & 0xffffffffL;
      int incl = b.getInt();
      int orig = b.getInt();
      if (incl > b.remaining()) throw new IOException(name + ": packet " + out.size() + " is truncated");
      byte[] frame = new byte[incl];
      b.get(frame);
      out.add(new Packet(sec * 1_000_000 + (nanos ? frac / 1000 : frac), frame, orig));
    }
    return out;
  }

  /** Writes {@code packets} as a little-endian, microsecond, Ethernet libpcap file, in the order given. */
  public static void write(Path file, List<Packet> packets) throws IOException {
    int size = 24;
    for (Packet p : packets) size += 16 + p.frame().length;
    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(ETHERNET);
    for (Packet p : packets) {
      b.putInt((int) Math.floorDiv(p.micros(), 1_000_000)).putInt((int) Math.floorMod(p.micros(), 1_000_000))
          .putInt(p.frame().length).putInt(p.wireLength()).put(p.frame());
    }
    Files.write(file, b.array());
  }

  /** Sets the byte order of {@code b} from the magic number; returns whether times are in nanoseconds. */
  private static boolean order(ByteBuffer b, Object name) throws IOException {
    if (b.remaining() < 24) throw new IOException(name + ": too short for a pcap header");
    int magic = b.order(ByteOrder.BIG_ENDIAN).getInt(0);
    switch (magic) {
      case 0xa1b2c3d4, 0xa1b23c4d -> b.order(ByteOrder.BIG_ENDIAN);
      case 0xd4c3b2a1, 0x4d3cb2a1 -> b.order(ByteOrder.LITTLE_ENDIAN);
      case 0x0a0d0d0a -> throw new IOException(name + " is pcapng: convert it with `editcap -F pcap`");
      default -> throw new IOException(name + ": not a pcap file (magic " + Integer.toHexString(magic) + ")");
    }
    return magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
  }

  /** The UDP payloads of every packet of {@code file}, in capture order. */
  public static List<byte[]> udpPayloads(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
    order(b, file);
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
