package io.kaminari.tools.upstream;

import io.kaminari.flow.Flow;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The packets of one generated flow record, as an exporter would have seen them on the wire: {@code packets} Ethernet
 * frames from the record's source to its destination with its ports, protocol and TCP flags, sizes adding up to its
 * {@code bytes}, spread evenly from {@code timestamp_start} to {@code timestamp_end}.
 *
 * <p>Only the headers are kept (the wire length is recorded in the capture), as a flow exporter reads nothing else.
 * Every TCP packet carries the record's flags, so that the OR a flow exporter computes equals them. ICMP records use
 * type {@code port_dst >> 8} and code {@code port_dst & 0xff} (the NetFlow convention), so port 0 is an echo reply.
 * A packet is never smaller than its headers, so a record whose bytes/packets is below that exports a little more.
 */
public final class FlowPackets {
  private FlowPackets() {}

  private static final byte[] MAC_SRC = {0x02, 0, 0, 0, 0, 1};
  private static final byte[] MAC_DST = {0x02, 0, 0, 0, 0, 2};

  /** The frames of {@code f}, in time order. */
  public static List<Pcap.Packet> of(Flow f) {
    byte[] src = address(f.ipSrc());
    byte[] dst = address(f.ipDst());
    boolean v6 = src.length == 16;
    int l4Header = switch (f.ipProto()) {
      case 6 -> 20;
      case 17, 1, 58 -> 8;
      default -> 0;
    };
    int ipHeader = v6 ? 40 : 20;
    long n = Math.max(1, f.packets());
    long start = f.timestampStart() != null ? f.timestampStart() : f.eventTimeMicros();
    long end = f.timestampEnd() != null && f.timestampEnd() >= start ? f.timestampEnd() : start;
    List<Pcap.Packet> out = new ArrayList<>((int) n);
    for (long i = 0; i < n; i++) {
      // The first packet takes the remainder, so the sizes add up to the record's bytes.
      long share = f.bytes() / n + (i == 0 ? f.bytes() % n : 0);
      int ipLength = (int) Math.min(65535, Math.max(ipHeader + l4Header, share));
      ByteBuffer b = ByteBuffer.allocate(14 + ipHeader + l4Header);
      b.put(MAC_DST).put(MAC_SRC).putShort((short) (v6 ? 0x86dd : 0x0800));
      if (v6) {
        b.putInt(0x60000000).putShort((short) (ipLength - 40)).put((byte) f.ipProto()).put((byte) 64).put(src).put(dst);
      } else {
        int h = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) ipLength).putShort((short) i).putShort((short) 0x4000)
            .put((byte) 64).put((byte) f.ipProto()).putShort((short) 0).put(src).put(dst);
        b.putShort(h + 10, checksum(b.array(), h, 20));
      }
      switch (f.ipProto()) {
        case 6 -> b.putShort((short) f.portSrc()).putShort((short) f.portDst()).putInt((int) i).putInt(0)
            .put((byte) 0x50).put((byte) (f.tcpFlags() == null ? 0 : f.tcpFlags())).putShort((short) 65535)
            .putShort((short) 0).putShort((short) 0);
        case 17 -> b.putShort((short) f.portSrc()).putShort((short) f.portDst())
            .putShort((short) (ipLength - ipHeader)).putShort((short) 0);
        case 1, 58 -> b.put((byte) (f.portDst() >> 8)).put((byte) f.portDst()).putShort((short) 0).putInt(0);
        default -> { }
      }
      long t = n == 1 ? start : start + (end - start) * i / (n - 1);
      out.add(new Pcap.Packet(t, b.array(), 14 + ipLength));
    }
    return out;
  }

  private static byte[] address(String text) {
    try {
      return InetAddress.getByName(text).getAddress(); // a literal: no lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + text, e);
    }
  }

  /** The IPv4 header checksum (RFC 791) of {@code len} bytes from {@code off}. */
  private static short checksum(byte[] a, int off, int len) {
    int sum = 0;
    for (int i = off; i < off + len; i += 2) sum += ((a[i] & 0xff) << 8) | (a[i + 1] & 0xff);
    while ((sum >> 16) != 0) sum = (sum & 0xffff) + (sum >> 16);
    return (short) ~sum;
  }
}
