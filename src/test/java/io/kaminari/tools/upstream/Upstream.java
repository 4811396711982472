package io.kaminari.tools.upstream;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kaminari.flow.FlowSchema;
import io.kaminari.pipeline.Warehouse;
import io.kaminari.tools.kafka.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What both upstream ITs do once nfacctd has published: read the topic back independently of Kaminari, land and
 * compact it, and check that counts reconcile and that every field nfacctd wrote arrived unchanged in kaminari.flows.
 */
final class Upstream {
  private Upstream() {}

  static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter PMACCT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");
  /** The typed columns of kaminari.flows, which carry a pmacct key of the same name. */
  private static final Set<String> TYPED = FlowSchema.FIELDS.stream().map(FlowSchema.Field::name)
      .filter(n -> !n.equals(FlowSchema.EVENT_TIME) && !n.equals(FlowSchema.EXTRA)).collect(Collectors.toSet());

  /** One published Kafka record, parsed with Jackson (nfacctd without kafka_multi_values: one object per record). */
  record Published(int partition, long offset, long timestamp, JsonNode json) {
    String eventType() {
      return json.path("event_type").asText("purge");
    }

    boolean isFlow() {
      return eventType().equals("purge");
    }
  }

  /** Every record of {@code topic}, from the beginning to the current end offsets. */
  static List<Published> consume(String bootstrap, String topic) throws IOException {
    List<Published> out = new ArrayList<>();
    Topics.readToEnd(bootstrap, topic, Duration.ofSeconds(60), r -> {
      String value = new String(r.value(), StandardCharsets.UTF_8);
      try {
        out.add(new Published(r.partition(), r.offset(), r.timestamp(), JSON.readTree(value)));
      } catch (IOException e) {
        throw new AssertionError("nfacctd published something that is not one JSON object: " + value, e);
      }
    });
    return out;
  }

  /** The counts every chain must reconcile: published == landed == input objects == flows + rejects + markers + dups. */
  static void assertReconciles(List<Published> published, UpstreamPipeline.Ingested in) {
    long flows = published.stream().filter(Published::isFlow).count();
    long markers = published.size() - flows;
    assertThat(in.land().inputRecords()).as("records landed").isEqualTo(published.size());
    assertThat(in.compact().inputRecords()).as("records compacted").isEqualTo(published.size());
    assertThat(in.compact().inputObjects()).as("input_objects").isEqualTo(published.size());
    assertThat(in.compact().outputRows() + in.compact().rejected() + in.compact().markers()
        + in.compact().duplicates()).as("flows + rejected + markers + duplicates").isEqualTo(published.size());
    assertThat(in.compact().rejected()).as("rejected").isZero();
    assertThat(in.compact().duplicates()).as("duplicates").isZero();
    assertThat(in.compact().markers()).as("markers").isEqualTo(markers);
    assertThat(in.compact().outputRows()).as("flows").isEqualTo(flows);
  }

  /**
   * For every published flow record, finds its row in kaminari.flows by Kafka coordinates and checks each key nfacctd
   * wrote: typed columns against an independent decoding of the JSON, every other key verbatim in {@code extra}.
   */
  static void assertEveryFieldSurvives(SparkSession spark, String topic, List<Published> published) {
    Map<String, Row> rows = new HashMap<>();
    for (Row r : spark.table(Warehouse.FLOWS).where(col("source").equalTo(topic)).collectAsList()) {
      rows.put(r.<Integer>getAs("source_partition") + "@" + r.<Long>getAs("source_offset"), r);
    }
    int checked = 0;
    for (Published p : published) {
      if (!p.isFlow()) continue;
      Row row = rows.get(p.partition() + "@" + p.offset());
      assertThat(row).as("flows row of %s@%d: %s", topic, p.offset(), p.json()).isNotNull();
      assertThat(row.<Integer>getAs("source_index")).isZero();
      Map<String, String> extra = row.isNullAt(row.fieldIndex(FlowSchema.EXTRA)) ? Map.of()
          : row.getJavaMap(row.fieldIndex(FlowSchema.EXTRA));
      for (Iterator<Map.Entry<String, JsonNode>> it = p.json().fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String key = e.getKey();
        JsonNode v = e.getValue();
        if (v.isNull()) continue;
        String what = key + " of " + p.json();
        if (TYPED.contains(key)) {
          assertThat(row.<Object>getAs(key)).as(what).isEqualTo(expectedColumn(key, v));
        } else {
          assertThat(extra).as(what).containsEntry(key, v.isValueNode() ? v.asText() : v.toString());
        }
      }
      checked++;
    }
    assertThat(checked).as("flow records compared").isEqualTo(rows.size());
  }

  /** The column value a pmacct JSON value must become, decoded here without Kaminari's parser. */
  private static Object expectedColumn(String key, JsonNode v) {
    switch (key) {
      case FlowSchema.TIMESTAMP_START, FlowSchema.TIMESTAMP_END, FlowSchema.TIMESTAMP_ARRIVAL,
          FlowSchema.TIMESTAMP_EXPORT -> {
        String s = v.asText();
        if (s.startsWith("0000-00-00")) return null; // softflowd/IPFIX "no time"
        return LocalDateTime.parse(s, PMACCT_TIME).toInstant(ZoneOffset.UTC); // nfacctd runs with timestamps_utc
      }
      case FlowSchema.IP_PROTO -> {
        return protocolNumber(v.asText());
      }
      case FlowSchema.PORT_SRC, FlowSchema.PORT_DST, FlowSchema.TCP_FLAGS, FlowSchema.TOS, FlowSchema.IFACE_IN,
          FlowSchema.IFACE_OUT, FlowSchema.EXPORT_PROTO_VERSION -> {
        return Integer.parseInt(v.asText());
      }
      case FlowSchema.PACKETS, FlowSchema.BYTES, FlowSchema.FLOWS, FlowSchema.AS_SRC, FlowSchema.AS_DST,
          FlowSchema.SAMPLING_RATE, FlowSchema.EXPORT_PROTO_SEQNO -> {
        return Long.parseLong(v.asText());
      }
      default -> {
        return v.asText();
      }
    }
  }

  /** The number of an IP protocol as nfacctd 1.7 names it in ip_proto (a name, or the number for unnamed ones). */
  static int protocolNumber(String name) {
    return switch (name) {
      case "tcp" -> 6;
      case "udp" -> 17;
      case "icmp" -> 1;
      case "ipv6-icmp" -> 58;
      case "gre" -> 47;
      case "esp" -> 50;
      case "igmp" -> 2;
      case "ipv6" -> 41;
      case "ospf" -> 89;
      case "pim" -> 103;
      case "vrrp" -> 112;
      case "sctp" -> 132;
      default -> {
        try {
          yield Integer.parseInt(name);
        } catch (NumberFormatException e) {
          throw new AssertionError("the test does not know pmacct's protocol name '" + name + "': add it");
        }
      }
    };
  }

  /** Prints the seconds since {@code t0} after a phase, so slow phases show in the test output. */
  static void lap(String phase, long t0) {
    System.out.printf("upstream: %-20s done at %5.1f s%n", phase, (System.nanoTime() - t0) / 1e9);
  }

  static String read(String resource) {
    try (var in = Upstream.class.getResourceAsStream(resource)) {
      if (in == null) throw new AssertionError("test resource " + resource + " is missing");
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
