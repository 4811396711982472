package io.kaminari.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
  @TempDir Path tmp;

  @Test
  void deletesATreeDeepestFirstAndAMissingOneIsNothingToDo() throws IOException {
    Path dir = tmp.resolve("a");
    Files.createDirectories(dir.resolve("b/c"));
    Files.writeString(dir.resolve("b/c/file"), "x");
    Files.writeString(dir.resolve("top"), "y");
    Path sibling = Files.writeString(tmp.resolve("kept"), "z");

    FileTrees.delete(dir);
    assertThat(dir).doesNotExist();
    assertThat(sibling).exists();
    FileTrees.delete(dir);
    FileTrees.delete(null);
    assertThat(FileTrees.deleteQuietly(tmp.resolve("never-there"))).isTrue();
  }
}
