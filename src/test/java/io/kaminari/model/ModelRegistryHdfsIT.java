package io.kaminari.model;

import java.io.File;
import java.net.URI;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The registry contract on a real HDFS: one MiniDFSCluster (one DataNode) for the whole class. */
class ModelRegistryHdfsIT extends AbstractModelRegistryContract {
  private static MiniDFSCluster cluster;
  private static Configuration conf;

  @BeforeAll
  static void startHdfs() throws Exception {
    conf = new Configuration();
    File base = new File("target/minidfs-" + UUID.randomUUID()).getAbsoluteFile();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getPath());
    // Every registry write closes a small file; by default the client then polls the NameNode from 400 ms upwards
    // until the DataNode has reported the block, which makes each publish take seconds on a one-node cluster.
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
  URI freshRoot() {
    return URI.create(cluster.getURI() + "/kaminari/" + UUID.randomUUID() + "/models");
  }

  @Override
  Configuration conf() {
    return cluster.getConfiguration(0);
  }
}
