package io.kaminari.tools.upstream;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * A UDP relay between a NetFlow v9 exporter and nfacctd that counts what the exporter really sent: flow records and the
 * packets they carry, decoded from each datagram before it is forwarded unchanged.
 *
 * <p>Why: softflowd's own "Flows exported" line is not an exact count of what it sends (measured with a loopback
 * capture: it reported 72,143 records for 72,107 sent), so the collector can only be held to what was on the wire.
 * Datagrams the relay itself missed show as gaps in the exporters' v9 sequence numbers ({@link #sequenceGaps()}), so a
 * lossy relay cannot pass for a lossless collector.
 */
public final class NetflowTap implements AutoCloseable {
  /** NetFlow v9 field type IN_PKTS (the packet counter softflowd exports). */
  private static final int IN_PKTS = 2;

  /** The UDP port exporters send to. */
  public final int port;
  private final DatagramSocket socket;
  private final InetSocketAddress collector;
  private final Thread thread;
  /** Record layouts by sender port, source id and template id. */
  private final Map<String, Layout> templates = new HashMap<>();
  private final Map<Integer, Long> lastSequence = new HashMap<>();
  private volatile long datagrams;
  private volatile long records;
  private volatile long packets;
  private volatile long undecoded;
  private volatile long optionFlowsets;
  private volatile long gaps;
  private volatile IOException failure;

  private NetflowTap(DatagramSocket socket, InetSocketAddress collector) {
    this.socket = socket;
    this.port = socket.getLocalPort();
    this.collector = collector;
    this.thread = new Thread(this::relay, "netflow-tap-" + port);
    this.thread.setDaemon(true);
  }

  /** Starts a relay on a free loopback port forwarding to {@code 127.0.0.1:collectorPort}. */
  public static NetflowTap start(int collectorPort) throws IOException {
    DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    // softflowd sends a chunk's few hundred datagrams within milliseconds.
    s.setReceiveBufferSize(4 << 20);
    NetflowTap tap = new NetflowTap(s, new InetSocketAddress(InetAddress.getLoopbackAddress(), collectorPort));
    tap.thread.start();
    return tap;
  }

  private void relay() {
    byte[] buf = new byte[65535];
    DatagramPacket in = new DatagramPacket(buf, buf.length);
    try {
      while (true) {
        in.setLength(buf.length);
        socket.receive(in);
        count(ByteBuffer.wrap(buf, 0, in.getLength()).slice(), in.getPort());
        socket.send(new DatagramPacket(buf, in.getLength(), collector));
      }
    } catch (SocketException closed) {
      // close(): the normal end
    } catch (IOException e) {
      failure = e;
    }
  }

  /** Decodes one v9 export packet: header, template flowsets (id 0), data flowsets (id >= 256). */
  private void count(ByteBuffer b, int senderPort) {
    datagrams++;
    if (b.remaining() < 20 || b.getShort(0) != 9) {
      undecoded++;
      return;
    }
    long sequence = b.getInt(12) & 0xffffffffL;
    int sourceId = b.getInt(16);
    Long last = lastSequence.put(senderPort, sequence);
    if (last != null && sequence != last + 1) gaps++;
    int pos = 20;
    while (pos + 4 <= b.limit()) {
      int id = b.getShort(pos) & 0xffff;
      int length = b.getShort(pos + 2) & 0xffff;
      if (length < 4 || pos + length > b.limit()) {
        undecoded++;
        return;
      }
      if (id == 0) {
        for (int t = pos + 4; t + 4 <= pos + length; ) {
          int templateId = b.getShort(t) & 0xffff;
          int fields = b.getShort(t + 2) & 0xffff;
          int recordLength = 0;
          int pktsOffset = -1;
          int pktsLength = 0;
          for (int f = 0; f < fields; f++) {
            int type = b.getShort(t + 4 + 4 * f) & 0xffff;
            int len = b.getShort(t + 6 + 4 * f) & 0xffff;
            if (type == IN_PKTS) {
              pktsOffset = recordLength;
              pktsLength = len;
            }
            recordLength += len;
          }
          templates.put(senderPort + "/" + sourceId + "/" + templateId,
              new Layout(recordLength, pktsOffset, pktsLength, false));
          t += 4 + 4 * fields;
        }
      } else if (id == 1) {
        // Options templates (softflowd's sampling settings): their data records describe the exporter, not flows.
        for (int t = pos + 4; t + 6 <= pos + length; ) {
          int templateId = b.getShort(t) & 0xffff;
          int fieldBytes = (b.getShort(t + 2) & 0xffff) + (b.getShort(t + 4) & 0xffff);
          if (fieldBytes == 0) break; // padding
          int recordLength = 0;
          for (int f = 0; f < fieldBytes / 4; f++) recordLength += b.getShort(t + 8 + 4 * f) & 0xffff;
          templates.put(senderPort + "/" + sourceId + "/" + templateId, new Layout(recordLength, -1, 0, true));
          t += 6 + fieldBytes;
        }
      } else if (id >= 256) {
        Layout layout = templates.get(senderPort + "/" + sourceId + "/" + id);
        if (layout == null || layout.recordLength() == 0) {
          undecoded++;
        } else if (layout.options()) {
          optionFlowsets++;
        } else {
          // Padding at the end of a flowset is shorter than a record.
          for (int r = pos + 4; r + layout.recordLength() <= pos + length; r += layout.recordLength()) {
            records++;
            if (layout.packetsOffset() >= 0) packets += unsigned(b, r + layout.packetsOffset(), layout.packetsLength());
          }
        }
      }
      pos += length;
    }
  }

  /**
   * A template's record layout: its length, where IN_PKTS sits in it (-1 if absent) and its length, and whether it is
   * an options template (records that describe the exporter, not flows).
   */
  private record Layout(int recordLength, int packetsOffset, int packetsLength, boolean options) {}

  private static long unsigned(ByteBuffer b, int at, int len) {
    long v = 0;
    for (int i = 0; i < len; i++) v = (v << 8) | (b.get(at + i) & 0xff);
    return v;
  }

  /** Flow records in the data flowsets forwarded so far. */
  public long records() {
    return records;
  }

  /** Sum of the records' packet counters. */
  public long packets() {
    return packets;
  }

  /** Datagrams forwarded. */
  public long datagrams() {
    return datagrams;
  }

  /** Options data flowsets forwarded (exporter settings, not flows). */
  public long optionFlowsets() {
    return optionFlowsets;
  }

  /** Datagrams or flowsets the relay could not decode (not v9, or data before its template); 0 for softflowd. */
  public long undecoded() {
    return undecoded;
  }

  /** Breaks in an exporter's sequence numbers: datagrams lost before the relay read them. */
  public long sequenceGaps() {
    return gaps;
  }

  /**
   * Waits until no datagram has arrived for {@code quietMillis}, then stops relaying.
   *
   * @throws IOException if forwarding failed
   */
  public void drainAndStop(long quietMillis) throws IOException, InterruptedException {
    long seen = -1;
    while (seen != datagrams) {
      seen = datagrams;
      Thread.sleep(quietMillis);
    }
    close();
    thread.join(5_000);
    if (failure != null) throw failure;
  }

  @Override
  public void close() {
    socket.close();
  }
}
