package io.kaminari.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.kaminari.incidents.IncidentEvent;
import io.kaminari.incidents.IncidentEvent.Kind;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The alerts {@link AlertmanagerReceiver} posts, validated against the body schema of {@code POST /alerts} in
 * Alertmanager's own v2 API definition ({@code src/test/resources/alertmanager/openapi.yaml}, see SOURCE.txt there),
 * for each kind of notification. {@code StreamIncidentsIT} posts them to a real Alertmanager as well.
 */
class AlertmanagerSchemaTest {
  private static final Instant NOW = Instant.parse("2024-05-02T03:02:00Z");
  private static JsonSchema postAlertsBody;

  /** The schema of the body parameter of {@code POST /alerts}, with the definitions it refers to. */
  @BeforeAll
  static void schema() throws Exception {
    JsonNode api;
    try (InputStream in = AlertmanagerSchemaTest.class.getResourceAsStream("/alertmanager/openapi.yaml")) {
      api = new ObjectMapper(new YAMLFactory()).readTree(in);
    }
    assertThat(api.path("swagger").asText()).isEqualTo("2.0");
    JsonNode body = StreamSupport.stream(api.at("/paths/~1alerts/post/parameters").spliterator(), false)
        .filter(p -> p.path("in").asText().equals("body")).findFirst().orElseThrow().path("schema");
    ObjectNode schema = body.deepCopy();
    schema.set("definitions", api.path("definitions"));
    // Swagger 2.0's definitions are JSON Schema draft 4.
    postAlertsBody = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(schema);
  }

  private static Set<ValidationMessage> validate(JsonNode alerts) {
    return postAlertsBody.validate(alerts);
  }

  private static ArrayNode alerts(IncidentEvent e) {
    return new AlertmanagerReceiver("http://alertmanager:9093/", Duration.ofMinutes(10), () -> NOW).alerts(e);
  }

  @Test
  void everyNotificationOfAnIncidentIsAValidPostableAlertsBody() {
    IncidentEvent started = AlertDeliveryTest.STARTED;
    IncidentEvent updated = new IncidentEvent(Kind.UPDATE, 2, started.id(), started.model(), started.modelVersion(),
        started.scope(), started.victim(), started.start(), started.start().plusSeconds(120), null, 2, 60, 5.1, 9500,
        320, List.of("dst_port 80 pps (93%)"), started.start().plusSeconds(120), 5.1, started.traffic());
    IncidentEvent resolved = new IncidentEvent(Kind.RESOLVE, 3, started.id(), started.model(), started.modelVersion(),
        started.scope(), started.victim(), started.start(), started.start().plusSeconds(120),
        started.start().plusSeconds(120), 2, 60, 5.1, 9500, 320, List.of(), started.start().plusSeconds(300), 5.1,
        null);
    for (IncidentEvent e : List.of(started, updated, resolved)) {
      ArrayNode body = alerts(e);
      assertThat(validate(body)).as(e.kind() + ": " + body).isEmpty();
      assertThat(body).hasSize(1);
    }
  }

  @Test
  void theSchemaRefusesBodiesAlertmanagerWouldRefuse() {
    JsonNode good = alerts(AlertDeliveryTest.STARTED);
    ArrayNode noLabels = good.deepCopy();
    ((ObjectNode) noLabels.get(0)).remove("labels");
    ArrayNode numberLabel = good.deepCopy();
    ((ObjectNode) numberLabel.get(0).path("labels")).put("severity", 2);
    ArrayNode badTime = good.deepCopy();
    ((ObjectNode) badTime.get(0)).put("startsAt", "2024-05-02 03:00");
    assertThat(validate(noLabels)).as("labels are required").isNotEmpty();
    assertThat(validate(badTime)).as("times are RFC 3339 date-times").isNotEmpty();
    assertThat(validate(numberLabel)).as("label values are strings").isNotEmpty();
    assertThat(validate(good.get(0))).as("the body is an array of alerts").isNotEmpty();
    assertThat(validate(new ObjectMapper().createArrayNode())).as("an empty array is a valid body").isEmpty();
  }
}
