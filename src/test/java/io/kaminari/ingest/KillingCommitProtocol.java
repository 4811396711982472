package io.kaminari.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.spark.internal.io.FileCommitProtocol;
import org.apache.spark.sql.execution.datasources.SQLHadoopMapReduceCommitProtocol;
import scala.Tuple2;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * Spark's commit protocol, killed where a dynamic partition overwrite is most fragile: when {@link #armed}, a job that
 * replaces existing partition directories deletes them (as Spark's commit does first) and then fails instead of
 * renaming the new ones in, as a driver killed between the two would. Enabled per session with
 * {@code spark.sql.sources.commitProtocolClass}.
 */
public final class KillingCommitProtocol extends SQLHadoopMapReduceCommitProtocol {
  /** Whether the next job that replaces an existing partition is killed (reset once it was). */
  static volatile boolean armed;

  private final String path;
  private final boolean dynamicPartitionOverwrite;

  public KillingCommitProtocol(String jobId, String path, boolean dynamicPartitionOverwrite) {
    super(jobId, path, dynamicPartitionOverwrite);
    this.path = path;
    this.dynamicPartitionOverwrite = dynamicPartitionOverwrite;
  }

  @Override
  public void commitJob(JobContext job, Seq<FileCommitProtocol.TaskCommitMessage> taskCommits) {
    if (armed && dynamicPartitionOverwrite) {
      Set<String> partitions = new HashSet<>();
      for (FileCommitProtocol.TaskCommitMessage m : JavaConverters.seqAsJavaList(taskCommits)) {
        @SuppressWarnings("unchecked")
        scala.collection.immutable.Set<String> paths = ((Tuple2<?, scala.collection.immutable.Set<String>>) m.obj())._2();
        partitions.addAll(JavaConverters.setAsJavaSet(paths));
      }
      try {
        FileSystem fs = new Path(path).getFileSystem(job.getConfiguration());
        boolean deleted = false;
        for (String p : partitions) {
          deleted |= fs.delete(new Path(path, p), true);
        }
        if (deleted) {
          armed = false;
          throw new IllegalStateException("killed after deleting the partitions " + partitions + " of " + path
              + " and before renaming the new ones in");
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    super.commitJob(job, taskCommits);
  }
}
