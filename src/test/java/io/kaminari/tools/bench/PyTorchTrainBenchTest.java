package io.kaminari.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.common.KaminariConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the PyTorch comparison finds its interpreter and says why it cannot run (real interpreters, no torch needed). */
class PyTorchTrainBenchTest {
  @TempDir Path dir;

  @Test
  void theInterpreterComesFromBenchPythonElseTheSetupVenv() {
    assertThat(PyTorchTrainBench.python(KaminariConfig.defaults())).isEqualTo(Path.of(".venv-bench/bin/python"));
    KaminariConfig set = KaminariConfig.load(null, Map.of("bench.python", "/opt/py/bin/python3"), Map.of());
    assertThat(PyTorchTrainBench.python(set)).isEqualTo(Path.of("/opt/py/bin/python3"));
  }

  @Test
  void aMissingInterpreterIsReportedWithTheSetupCommand() {
    assertThat(PyTorchTrainBench.unavailable(dir.resolve("nope/bin/python"))).hasValueSatisfying(reason ->
        assertThat(reason).contains("no Python interpreter at").contains("bash src/bench/python/setup.sh")
            .contains("bench.python"));
  }

  @Test
  void anInterpreterWithoutTorchIsReportedWithItsError() throws Exception {
    // A venv of its own: whatever the machine's python3 has installed, a fresh venv has no torch.
    Path python3 = Arrays.stream(System.getenv("PATH").split(File.pathSeparator)).map(p -> Path.of(p, "python3"))
        .filter(Files::isExecutable).findFirst().orElseThrow(() -> new AssertionError("python3 is not on the PATH"));
    Path venv = dir.resolve("venv");
    Process p = new ProcessBuilder(python3.toString(), "-m", "venv", "--without-pip", venv.toString())
        .redirectErrorStream(true).start();
    assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
    assertThat(PyTorchTrainBench.unavailable(venv.resolve("bin/python"))).hasValueSatisfying(reason ->
        assertThat(reason).contains("`import torch` fails with").contains("No module named 'torch'"));
  }
}
