package io.kaminari.tools.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToolsTest {
  @TempDir Path dir;

  @Test
  void aMissingProgramFailsWithTheDebianPackageToInstall() {
    assertThatThrownBy(() -> Tools.require("nfacctd", "pmacct", List.of(dir.toString())))
        .isInstanceOf(Tools.MissingToolException.class)
        .hasMessageContaining("nfacctd is not installed")
        .hasMessageContaining("apt-get install pmacct");
  }

  @Test
  void anExecutableIsFoundByItsAbsolutePathAndAPlainFileIsNot() throws Exception {
    Path empty = Files.createDirectory(dir.resolve("empty"));
    Path bin = Files.createDirectory(dir.resolve("bin"));
    Path exe = Files.createFile(bin.resolve("softflowd"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    assertThat(Tools.require("softflowd", "softflowd", List.of("", empty.toString(), bin.toString())))
        .isEqualTo(exe.toString());
    Files.createFile(empty.resolve("nfacctd")); // not executable
    assertThatThrownBy(() -> Tools.require("nfacctd", "pmacct", List.of(empty.toString())))
        .isInstanceOf(Tools.MissingToolException.class);
  }
}
