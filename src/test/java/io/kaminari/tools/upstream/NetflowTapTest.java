package io.kaminari.tools.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NetflowTapTest {
  /**
   * A v9 export packet: header, a template (src addr, IN_PKTS 4 bytes, dst port), an options template and its data,
   * and a data flowset of {@code packets.length} records with 2 bytes of padding.
   */
  private static byte[] export(long sequence, int... packets) {
    ByteBuffer b = ByteBuffer.allocate(1500);
    b.putShort((short) 9).putShort((short) 0).putInt(0).putInt(0).putInt((int) sequence).putInt(7);
    b.putShort((short) 0).putShort((short) (4 + 4 + 3 * 4)).putShort((short) 300).putShort((short) 3)
        .putShort((short) 8).putShort((short) 4).putShort((short) 2).putShort((short) 4)
        .putShort((short) 11).putShort((short) 2);
    b.putShort((short) 1).putShort((short) (4 + 6 + 2 * 4 + 2)).putShort((short) 301).putShort((short) 4)
        .putShort((short) 4).putShort((short) 1).putShort((short) 4).putShort((short) 34).putShort((short) 4)
        .putShort((short) 0);
    b.putShort((short) 301).putShort((short) (4 + 8)).putInt(1).putInt(100);
    b.putShort((short) 300).putShort((short) (4 + 10 * packets.length + 2));
    for (int p : packets) b.putInt(0x0a000001).putInt(p).putShort((short) 80);
    b.putShort((short) 0);
    return Arrays.copyOf(b.array(), b.position());
  }

  @Test
  void countsRecordsAndPacketsAndForwardsEveryDatagramUnchanged() throws Exception {
    try (DatagramSocket collector = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        DatagramSocket exporter = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      collector.setSoTimeout(5_000);
      NetflowTap tap = NetflowTap.start(collector.getLocalPort());
      InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), tap.port);
      byte[][] sent = {export(1, 3, 5), export(2, 7), export(4, 11, 13, 17)};
      for (byte[] d : sent) exporter.send(new DatagramPacket(d, d.length, to));
      for (byte[] d : sent) {
        DatagramPacket in = new DatagramPacket(new byte[2000], 2000);
        collector.receive(in);
        assertThat(Arrays.copyOf(in.getData(), in.getLength())).isEqualTo(d);
      }
      tap.drainAndStop(200);
      assertThat(tap.datagrams()).isEqualTo(3);
      assertThat(tap.records()).as("flow records (options records excluded)").isEqualTo(6);
      assertThat(tap.packets()).isEqualTo(3 + 5 + 7 + 11 + 13 + 17);
      assertThat(tap.optionFlowsets()).isEqualTo(3);
      assertThat(tap.undecoded()).isZero();
      assertThat(tap.sequenceGaps()).as("sequence 2 -> 4").isEqualTo(1);
    }
  }

  @Test
  void dataBeforeItsTemplateIsReportedUndecoded() throws Exception {
    try (DatagramSocket collector = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        DatagramSocket exporter = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      collector.setSoTimeout(5_000);
      NetflowTap tap = NetflowTap.start(collector.getLocalPort());
      ByteBuffer b = ByteBuffer.allocate(20 + 4 + 10);
      b.putShort((short) 9).putShort((short) 1).putInt(0).putInt(0).putInt(1).putInt(7);
      b.putShort((short) 300).putShort((short) 14).putInt(0x0a000001).putInt(5).putShort((short) 80);
      exporter.send(new DatagramPacket(b.array(), b.capacity(), new InetSocketAddress(InetAddress.getLoopbackAddress(),
          tap.port)));
      collector.receive(new DatagramPacket(new byte[100], 100));
      tap.drainAndStop(200);
      assertThat(tap.records()).isZero();
      assertThat(tap.undecoded()).isEqualTo(1);
    }
  }
}
