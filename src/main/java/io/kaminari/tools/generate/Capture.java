package io.kaminari.tools.generate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * A real attack capture, converted once into the pmacct JSON lines nfacctd wrote for it, committed as a gzipped
 * resource under {@value #RESOURCES} (provenance, licences and the conversion in {@code SOURCE.md} there).
 *
 * <p>{@code victim} is the attacked address as the capture has it (the one {@link CaptureMix} can re-address);
 * {@code records} is how many flow records the conversion produced, checked on every load so that a truncated resource
 * fails rather than shrinking an attack.
 */
public record Capture(String name, String what, String victim, int records) {
  /** Where the converted captures live on the class path. */
  public static final String RESOURCES = "/evaluate/captures/";

  public static final Capture DDOSGRID_SYN_FLOOD = new Capture("ddosgrid/synflood",
      "SYN flood, hping3-style, 10.0.1.2 -> 10.0.1.12:12345, 7,665 records in 10.8 s (ddosgrid-v2)", "10.0.1.12", 7_665);
  public static final Capture STOPDDOS_SYN_FLOOD = new Capture("stopddos/pkt.TCP.synflood.spoofed",
      "spoofed SYN flood to TCP 25565 from 37,623 addresses, 37,669 records in 23.7 s (StopDDoS)", "10.10.10.10", 37_669);
  public static final Capture STOPDDOS_SYNACK_REFLECTION = new Capture("stopddos/amp.TCP.reflection.SYNACK",
      "SYN-ACK reflection from TCP 80/443 of 7,055 servers, 7,834 records in 0.15 s (StopDDoS)", "10.10.10.10", 7_834);
  public static final Capture STOPDDOS_DNS_AMPLIFICATION = new Capture("stopddos/amp.dns.RRSIG.fragmented",
      "DNS amplification (fragmented RRSIG answers) from 240 addresses, 414 records (4,412 packets) in 29.7 s (StopDDoS)",
      "10.10.10.10", 414);
  public static final Capture STOPDDOS_SNMP_AMPLIFICATION = new Capture("stopddos/amp.UDP.snmp.src161",
      "SNMP amplification from UDP 161 of 4,276 reflectors, 4,294 records in 24 ms (StopDDoS)", "10.10.10.10", 4_294);
  public static final Capture STOPDDOS_ISAKMP_AMPLIFICATION = new Capture("stopddos/amp.UDP.isakmp",
      "ISAKMP amplification from UDP 4500 of 2,767 reflectors, 3,978 records in 0.41 s (StopDDoS)", "10.10.10.10", 3_978);
  public static final Capture STOPDDOS_BACNET_AMPLIFICATION = new Capture("stopddos/amp.UDP.bacnet.IOT.37810",
      "BACnet amplification from UDP 47808/37810 of 6,276 reflectors, 6,278 records in 25 ms (StopDDoS)", "10.10.10.1",
      6_278);
  public static final Capture LUCID_SYN_FLOOD = new Capture("lucid-cicddos2019/CIC-DDoS-2019-SynFlood",
      "SYN flood 172.16.0.5 -> 192.168.50.4 and the victim's answers, 13,122 records in 0.69 s (CIC-DDoS2019 via LUCID)",
      "192.168.50.4", 13_122);
  public static final Capture LUCID_WEB_DDOS = new Capture("lucid-cicddos2019/CIC-DDoS-2019-WebDDoS",
      "HTTP flood 172.16.0.5 -> 192.168.50.1:80 and its answers, 146 sessions (292 records) over 25.6 min"
          + " (CIC-DDoS2019 via LUCID)", "192.168.50.1", 292);
  public static final Capture SAVIO_GOLDENEYE = new Capture("savio/GoldenEye",
      "GoldenEye HTTP flood 10.0.0.2 -> 10.128.0.2:80 and its answers, 376 records in 0.42 s (lab)", "10.128.0.2", 376);
  public static final Capture SAVIO_HTTP_GET_FLOOD = new Capture("savio/http-get-flood-2",
      "HTTP GET flood 10.128.0.2 -> 10.128.0.3:80 and its answers, 60 records in 2.5 s (lab)", "10.128.0.3", 60);
  public static final Capture SAVIO_HTTP_POST_FLOOD = new Capture("savio/http-post-flood",
      "HTTP POST flood 10.0.0.2 -> 10.128.0.2:80 and its answers, 92 records in 4.0 s (lab)", "10.128.0.2", 92);
  public static final Capture SAVIO_SLOWLORIS = new Capture("savio/http_slowloris",
      "Slowloris 119.162.193.187 -> 154.49.2.126:80: 500 connections opened in 0.63 s and held 387 s, 1,000 records"
          + " (lab)", "154.49.2.126", 1_000);
  public static final Capture SAVIO_HULK = new Capture("savio/hulk",
      "HULK HTTP flood 10.0.0.2 -> 10.128.0.2:80 and its answers, 74 records in 8.7 s (lab)", "10.128.0.2", 74);

  /** Every committed capture, by source. */
  public static final List<Capture> ALL = List.of(DDOSGRID_SYN_FLOOD, STOPDDOS_SYN_FLOOD, STOPDDOS_SYNACK_REFLECTION,
      STOPDDOS_DNS_AMPLIFICATION, STOPDDOS_SNMP_AMPLIFICATION, STOPDDOS_ISAKMP_AMPLIFICATION,
      STOPDDOS_BACNET_AMPLIFICATION, LUCID_SYN_FLOOD, LUCID_WEB_DDOS, SAVIO_GOLDENEYE, SAVIO_HTTP_GET_FLOOD,
      SAVIO_HTTP_POST_FLOOD, SAVIO_SLOWLORIS, SAVIO_HULK);

  public Capture {
    Ipv4.parse(victim, "capture victim");
    if (records < 1) {
      throw new IllegalArgumentException("a capture has at least one record, got " + records);
    }
  }

  /** The class-path resource holding the records. */
  public String resource() {
    return RESOURCES + name + ".jsonl.gz";
  }

  /**
   * The capture's JSON lines as nfacctd wrote them, blank lines skipped.
   *
   * @throws UncheckedIOException when the resource is missing or holds another number of records than {@link #records}
   */
  public List<String> lines() {
    List<String> lines = new ArrayList<>(records);
    try (InputStream in = Capture.class.getResourceAsStream(resource())) {
      if (in == null) {
        throw new IOException("resource " + resource() + " is missing from the class path");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.UTF_8));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (!line.isBlank()) lines.add(line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read capture " + name + ": " + e.getMessage(), e);
    }
    if (lines.size() != records) {
      throw new UncheckedIOException(new IOException("capture " + name + " (" + resource() + ") holds " + lines.size()
          + " records, expected " + records + ": the resource is truncated or was replaced"));
    }
    return lines;
  }
}
