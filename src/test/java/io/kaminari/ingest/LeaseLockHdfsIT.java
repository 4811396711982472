package io.kaminari.ingest;

import java.io.File;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link LeaseLock} on a real HDFS: one MiniDFSCluster (one DataNode) for the whole class. */
class LeaseLockHdfsIT extends AbstractLeaseLockContract {
  private static MiniDFSCluster cluster;

  @BeforeAll
  static void startHdfs() throws Exception {
    Configuration conf = new Configuration();
    File base = new File("target/minidfs-" + UUID.randomUUID()).getAbsoluteFile();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getPath());
    // Each lease write closes a small file; without these the client polls the NameNode for seconds per close.
    conf.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 10);
    conf.setInt("dfs.namenode.file.close.num-committed-allowed", 1);
    cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    cluster.waitActive();
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) cluster.shutdown(true);
  }

  @Override
  Path freshDir() {
    return new Path(cluster.getURI() + "/kaminari/" + UUID.randomUUID() + "/_lock");
  }

  @Override
  Configuration conf() {
    return cluster.getConfiguration(0);
  }
}
