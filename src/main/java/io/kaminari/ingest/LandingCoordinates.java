package io.kaminari.ingest;

import static io.kaminari.common.Columns.SOURCE;
import static io.kaminari.common.Columns.SOURCE_OFFSET;
import static io.kaminari.common.Columns.SOURCE_PARTITION;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * How many landing records a range holds, and whether any of them is there twice (a replay: the same source offset
 * landed again), found by {@link #scan} from the coordinate columns alone, with no parsing and no shuffle.
 */
record LandingCoordinates(long records, boolean replays) {
  /** A run of consecutive offsets of one source partition in one task, and whether an offset in it repeats. */
  record Span(String source, int partition, long min, long max, long count, boolean repeats) implements Serializable {}

  /**
   * Counts the landing records and detects replays (a source offset landed twice) from the coordinate columns alone.
   * Each task sorts its offsets per source partition and reports them as runs of consecutive offsets, which cover
   * exactly the offsets it holds: an offset repeated within a task, or two runs that overlap, is a replay. A run
   * breaks at every gap, so a topic with gaps (transaction markers) yields more runs, never a wrong answer.
   */
  static LandingCoordinates scan(Dataset<Row> landing) {
    List<Span> spans = InternalRows.of(landing.select(SOURCE, SOURCE_PARTITION, SOURCE_OFFSET))
        .mapPartitions((FlatMapFunction<Iterator<InternalRow>, Span>) rows -> {
          Map<String, Map<Integer, LongList>> offsets = new HashMap<>();
          UTF8String lastSource = null;
          int lastPartition = 0;
          LongList run = null;
          while (rows.hasNext()) {
            InternalRow r = rows.next();
            UTF8String source = r.getUTF8String(0);
            int partition = r.getInt(1);
            // Runs of records share their source partition: look the list up once per run, not per record.
            if (run == null || partition != lastPartition || !source.equals(lastSource)) {
              lastSource = source.clone();
              lastPartition = partition;
              run = offsets.computeIfAbsent(lastSource.toString(), k -> new HashMap<>())
                  .computeIfAbsent(partition, k -> new LongList());
            }
            run.add(r.getLong(2));
          }
          List<Span> out = new ArrayList<>();
          offsets.forEach((source, byPartition) -> byPartition.forEach((partition, list) -> {
            long[] sorted = list.sorted();
            int from = 0;
            boolean repeats = false;
            for (int i = 1; i <= sorted.length; i++) {
              if (i < sorted.length && sorted[i] == sorted[i - 1]) repeats = true;
              if (i == sorted.length || sorted[i] > sorted[i - 1] + 1) {
                out.add(new Span(source, partition, sorted[from], sorted[i - 1], i - from, repeats));
                from = i;
                repeats = false;
              }
            }
          }));
          return out.iterator();
        }).collect();
    long records = spans.stream().mapToLong(Span::count).sum();
    boolean replays = spans.stream().anyMatch(Span::repeats);
    for (List<Span> runs : spans.stream().collect(Collectors.groupingBy(s -> List.of(s.source(), s.partition())))
        .values()) {
      runs.sort(Comparator.comparingLong(Span::min));
      long end = Long.MIN_VALUE;
      for (Span run : runs) {
        replays |= run.min() <= end;
        end = Math.max(end, run.max());
      }
    }
    return new LandingCoordinates(records, replays);
  }

  /** A growable array of primitive longs (offsets), without boxing. */
  private static final class LongList {
    private long[] values = new long[1024];
    private int size;

    void add(long v) {
      if (size == values.length) values = Arrays.copyOf(values, size * 2);
      values[size++] = v;
    }

    long[] sorted() {
      long[] out = Arrays.copyOf(values, size);
      Arrays.sort(out);
      return out;
    }
  }
}
