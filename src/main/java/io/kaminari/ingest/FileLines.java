package io.kaminari.ingest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Splits a file's bytes into its JSON lines, byte for byte: the records of {@code land --from-files}.
 *
 * <p>Lines end at {@code '\n'} only, as nfacctd writes them; every other byte, a {@code '\r'} or bytes that are not
 * UTF-8 included, stays in its line, so a file line lands exactly as the same bytes from Kafka do. (Splitting the
 * file's text with Spark's string functions decoded it, turning invalid UTF-8 into U+FFFD.) A line's number counts
 * every line from 0, blank ones too; a blank line (only spaces, tabs and {@code '\r'}) is not a record. The last line
 * needs no final {@code '\n'}.
 */
final class FileLines {
  /** The UDF's result type: an array of (line_no, line) structs. */
  static final DataType TYPE = new ArrayType(DataTypes.createStructType(List.of(
      DataTypes.createStructField("line_no", DataTypes.LongType, false),
      DataTypes.createStructField("line", DataTypes.BinaryType, false))), false);

  /** {@link #split} as a Spark UDF over a binary column, returning {@link #TYPE}. */
  static final UDF1<byte[], List<Row>> UDF = text -> {
    List<Row> rows = new ArrayList<>();
    for (Line l : split(text)) rows.add(RowFactory.create(l.number(), l.bytes()));
    return rows;
  };

  private FileLines() {}

  /** One non-blank line of a file: its 0-based number and its bytes without the {@code '\n'}. */
  record Line(long number, byte[] bytes) {}

  /** The non-blank lines of {@code text}, in order; none for null. */
  static List<Line> split(byte[] text) {
    List<Line> out = new ArrayList<>();
    if (text == null) return out;
    long number = 0;
    int start = 0;
    while (start < text.length) {
      int end = start;
      while (end < text.length && text[end] != '\n') end++;
      if (!blank(text, start, end)) out.add(new Line(number, Arrays.copyOfRange(text, start, end)));
      number++;
      start = end + 1;
    }
    return out;
  }

  private static boolean blank(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') return false;
    }
    return true;
  }
}
