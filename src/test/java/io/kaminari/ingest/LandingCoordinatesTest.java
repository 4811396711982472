package io.kaminari.ingest;

import static io.kaminari.ingest.LandingParserTest.ARRIVAL;
import static io.kaminari.ingest.LandingParserTest.LANDING;
import static io.kaminari.ingest.LandingParserTest.landing;
import static io.kaminari.ingest.LandingParserTest.row;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kaminari.testing.TestSpark;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Replay detection from the landing coordinates alone, on the small landing frame of {@link LandingParserTest}. */
class LandingCoordinatesTest {
  @Test
  void countsRecordsAndFindsAReplayedOffset() {
    SparkSession spark = TestSpark.spark();
    Dataset<Row> landing = landing(spark);
    assertEquals(new LandingCoordinates(3, false), LandingCoordinates.scan(landing));
    Dataset<Row> replayedInOneTask = landing.union(spark.createDataFrame(List.of(row(8, "{}")), LANDING)).coalesce(1);
    assertEquals(new LandingCoordinates(4, true), LandingCoordinates.scan(replayedInOneTask));
    Dataset<Row> replayedAcrossTasks = landing.coalesce(1)
        .union(spark.createDataFrame(List.of(row(9, "{}")), LANDING).coalesce(1));
    assertEquals(2, replayedAcrossTasks.javaRDD().getNumPartitions());
    assertEquals(new LandingCoordinates(4, true), LandingCoordinates.scan(replayedAcrossTasks));
    Dataset<Row> interleaved = landing.where("source_offset <> 8").coalesce(1)
        .union(landing.where("source_offset = 8").coalesce(1));
    assertEquals(new LandingCoordinates(3, false), LandingCoordinates.scan(interleaved),
        "offsets 7 and 9 in one task and 8 in another are no replay (Spark packs files of any hours into a task)");
    Dataset<Row> otherPartition = landing.union(spark.createDataFrame(List.of(
        RowFactory.create("pmacct.flows", 2, 8L, ARRIVAL, new byte[0], "2024-05-01", 11)), LANDING));
    assertEquals(new LandingCoordinates(4, false), LandingCoordinates.scan(otherPartition),
        "the same offset of another Kafka partition is another record");
  }
}
