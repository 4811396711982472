package io.kaminari.ingest;

import io.kaminari.flow.PmacctParser;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.flow.Flow;
import io.kaminari.tools.generate.FlowSink;
import io.kaminari.tools.generate.GeneratorConfig;
import io.kaminari.tools.generate.TrafficGenerator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowWriter;
import org.junit.jupiter.api.Test;

/**
 * Compaction writes its rows straight from the parser's state ({@link SparkFlowSchema#write}); those rows must equal
 * Spark's own conversion of the {@link Flow} ({@link SparkFlowSchema#toInternal}), byte for byte, for every column
 * type, null and the extra map included.
 */
class SparkFlowSchemaTest {
  private static final UnsafeProjection TO_UNSAFE = UnsafeProjection.create(SparkFlowSchema.FLOW);

  @Test
  void rowsWrittenFromTheParserEqualSparksConversionOfTheFlow() throws Exception {
    List<String> lines = new ArrayList<>(conformanceLines());
    lines.add("{\"ip_src\":\"2001:db8::1\",\"ip_dst\":\"10.0.0.1\",\"packets\":1,\"bytes\":2,"
        + "\"label\":{\"site\":\"fra\"},\"vlan\":7,\"mac_src\":\"00:11:22:33:44:55\",\"writer_id\":\"caf\u00e9\"}");
    lines.add("{\"ip_src\":\"10.0.0.2\",\"ip_dst\":\"10.0.0.3\",\"packets\":0,\"bytes\":0,\"timestamp_end\":1700000000}");
    List<byte[]> messages = new ArrayList<>();
    for (String l : lines) {
      messages.add(l.getBytes(StandardCharsets.UTF_8));
    }
    new TrafficGenerator(GeneratorConfig.of(5, Instant.parse("2024-05-01T00:00:00Z"), Duration.ofMinutes(1), 500))
        .run(new FlowSink() {
          @Override
          public void accept(long arrivalEpochMillis, byte[] message) {
            messages.add(message);
          }

          @Override
          public void close() {}
        });
    PmacctParser parser = new PmacctParser(ZoneOffset.UTC);
    UnsafeRowWriter writer = new UnsafeRowWriter(SparkFlowSchema.FLOW.size(), 64);
    int[] compared = {0, 0};
    for (byte[] m : messages) {
      parser.parse(m, 1_750_000_000_000_000L, new PmacctParser.Sink() { // 2025-06-15: after every record
        @Override
        public void flow(int index, PmacctParser.Fields flow) {
          writer.reset();
          writer.zeroOutNullBytes();
          SparkFlowSchema.write(flow, writer);
          Object[] values = new Object[SparkFlowSchema.FLOW.size()];
          Flow f = flow.toFlow();
          SparkFlowSchema.toInternal(f, values, 0);
          UnsafeRow expected = TO_UNSAFE.apply(new GenericInternalRow(values));
          assertThat(writer.getRow()).as(f.toString()).isEqualTo(expected);
          compared[0]++;
          if (f.extra() != null) compared[1]++;
        }

        @Override
        public void marker(int index, String eventType) {}

        @Override
        public void reject(int index, String rawObject, String reason) {}
      });
    }
    assertThat(compared[0]).as("flows compared").isGreaterThan(messages.size() / 2);
    assertThat(compared[1]).as("flows with an extra map").isGreaterThan(10);
  }

  private static List<String> conformanceLines() throws IOException {
    List<String> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of("src/test/resources/pmacct-tests"))) {
      for (Path f : files.filter(p -> p.getFileName().toString().equals("output-flow-00.json")).sorted().toList()) {
        out.addAll(Files.readAllLines(f));
      }
    }
    return out;
  }
}
