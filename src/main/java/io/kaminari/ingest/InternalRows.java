package io.kaminari.ingest;

import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.ProjectExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import scala.collection.JavaConverters;

/**
 * Spark's physical-plan plumbing of compaction: a frame's rows as Spark's internal rows, read where the Parquet reader
 * put them when the plan allows it. Compaction's scans (the coordinates, the parse) start here.
 */
final class InternalRows {
  private InternalRows() {}

  /**
   * The internal rows of {@code frame}, in its column order. When its plan is a columnar file scan whose leading
   * columns are the frame's (Parquet's vectorized reader; a projection may drop the scan's trailing partition columns)
   * they are views of the scan's batches, so that values are read where the reader put them: converting the batches
   * to rows copied every landing value once more, a twentieth of compaction's time. Any other plan is executed as it
   * is.
   */
  static JavaRDD<InternalRow> of(Dataset<Row> frame) {
    SparkPlan plan = frame.queryExecution().executedPlan();
    if (plan instanceof WholeStageCodegenExec stage) plan = stage.child();
    List<Attribute> columns = JavaConverters.seqAsJavaList(plan.output());
    if (plan instanceof ProjectExec project) {
      if (!project.projectList().forall(e -> e instanceof AttributeReference)) return rowsOf(frame);
      plan = project.child();
    }
    SparkPlan source = plan instanceof ColumnarToRowExec toRows ? toRows.child() : null;
    if (source instanceof InputAdapter input) source = input.child(); // in a generated stage
    if (source instanceof FileSourceScanExec scan && scan.supportsColumnar()
        && isPrefix(columns, JavaConverters.seqAsJavaList(scan.output()))) {
      return scan.executeColumnar().toJavaRDD().mapPartitions(
          (FlatMapFunction<Iterator<ColumnarBatch>, InternalRow>) batches -> new Iterator<>() {
            private Iterator<InternalRow> rows = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
              while (!rows.hasNext() && batches.hasNext()) rows = batches.next().rowIterator();
              return rows.hasNext();
            }

            @Override
            public InternalRow next() {
              if (!hasNext()) throw new NoSuchElementException();
              return rows.next();
            }
          });
    }
    return rowsOf(frame);
  }

  private static JavaRDD<InternalRow> rowsOf(Dataset<Row> frame) {
    return frame.queryExecution().toRdd().toJavaRDD();
  }

  /** Whether {@code columns} are the leading attributes of {@code output} (the same attributes, not just names). */
  private static boolean isPrefix(List<Attribute> columns, List<Attribute> output) {
    if (columns.size() > output.size()) return false;
    for (int i = 0; i < columns.size(); i++) {
      if (!columns.get(i).exprId().equals(output.get(i).exprId())) return false;
    }
    return true;
  }
}
