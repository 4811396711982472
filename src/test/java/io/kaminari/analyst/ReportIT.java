package io.kaminari.analyst;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaminari.cli.Main;
import io.kaminari.common.Settings;
import io.kaminari.testing.Chromium;
import io.kaminari.testing.TestSpark;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code kaminari report} on demo-like data, opened in headless Chromium: the page parses with its charts, anomaly
 * table and model, and the screenshot shows the charts drawn (bar blue and anomaly red pixels).
 */
class ReportIT {
  private static final Path OUT = Path.of("target", "report-it").toAbsolutePath();

  @BeforeAll
  static void data() throws Exception {
    AnalystData.build();
  }

  @Test
  void writesASelfContainedReportThatRendersItsCharts() throws Exception {
    int code = Main.run("report", "--home", TestSpark.config().get(Settings.HOME), "--from", "2024-05-02T00",
        "--to", "2024-05-03T00", "--out", OUT.toString());
    assertThat(code).isZero();
    Path html = OUT.resolve(ReportJob.FILE_NAME);
    String text = Files.readString(html);
    assertThat(text).doesNotContain("<script").doesNotContain("http://").doesNotContain("https://");

    String url = html.toUri().toString();
    String dom = Chromium.run(Files.createTempDirectory(Path.of("target"), "chrome-report-"), "--dump-dom", url);
    assertThat(dom).contains("<svg id=\"traffic\"", "<svg id=\"scores\"", "<svg id=\"talkers\"",
        "class=\"threshold\"", "class=\"anomaly\"", "<table id=\"anomalies\"", "<table id=\"model\"",
        "flow-ae v2");
    assertThat(dom.split("class=\"bar\"", -1).length - 1).isGreaterThanOrEqualTo(24 + 1);

    Path shot = OUT.resolve("report.png");
    Chromium.run(Files.createTempDirectory(Path.of("target"), "chrome-report-"), "--screenshot=" + shot,
        "--window-size=1200,1600", url);
    BufferedImage img = ImageIO.read(shot.toFile());
    assertThat(img).as("screenshot " + shot).isNotNull();
    long blue = 0;
    long red = 0;
    for (int y = 0; y < img.getHeight(); y++) {
      for (int x = 0; x < img.getWidth(); x++) {
        int rgb = img.getRGB(x, y) & 0xffffff;
        if (rgb == 0x3b6ea8) blue++;
        if (rgb == 0xc0392b) red++;
      }
    }
    assertThat(blue).as("bar pixels in " + shot).isGreaterThan(2000);
    assertThat(red).as("threshold and anomaly pixels in " + shot).isGreaterThan(50);
  }
}
