package io.switchboard.admin;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A headless Chromium for the console's browser tests: the machine's own Chromium and
 * chromedriver (Debian's {@code chromium} and {@code chromium-driver}), named explicitly, so
 * that Selenium never downloads a browser or a driver. Without them the tests are skipped,
 * saying how to install them. The operator's credentials go in an Authorization header on
 * every request of the page (scripts, streams and form posts included), as a browser sends
 * them once the operator has typed them into its Basic prompt.
 * <p>
 * {@code -Dchrome.binary=...} and {@code -Dwebdriver.chrome.driver=...} name other ones. Public
 * for the cluster's console test, which opens it on one node of a cluster.
 */
public final class ConsoleBrowser implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(15);

    private static final String[] BROWSERS = { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" };
    private static final String[] DRIVERS = { "/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver" };

    public final ChromeDriver driver;
    private final Path profile;
    private final String base;

    private ConsoleBrowser(ChromeDriver driver, Path profile, String base) {
        this.driver = driver;
        this.profile = profile;
        this.base = base;
    }

    /** A browser at the console of the server on {@code port}; empty when the machine has no Chromium. */
    public static Optional<ConsoleBrowser> open(int port) throws IOException {
        Optional<String> browser = firstExisting("chrome.binary", BROWSERS);
        Optional<String> chromedriver = firstExisting("webdriver.chrome.driver", DRIVERS);
        if (browser.isEmpty() || chromedriver.isEmpty()) {
            return Optional.empty();
        }
        Path profile = Files.createTempDirectory("console-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browser.get());
        // The machine has no network: without the background-networking switches Chromium
        // keeps trying to reach Google's services.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1280,1400", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(chromedriver.get())).usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(WAIT);
        return Optional.of(new ConsoleBrowser(driver, profile, "http://127.0.0.1:" + port));
    }

    /** Skips the calling test, saying how to install what it needs, when {@link #open} found no browser. */
    public static void assumeInstalled(@org.jspecify.annotations.Nullable ConsoleBrowser browser) {
        assumeTrue(browser != null, "No Chromium and chromedriver found (chrome.binary, webdriver.chrome.driver, or"
                + " /usr/bin): the console's browser tests are skipped; apt-get install chromium chromium-driver");
    }

    private static Optional<String> firstExisting(String property, String[] candidates) {
        String configured = System.getProperty(property);
        Stream<String> paths = (configured != null) ? Stream.of(configured) : Stream.of(candidates);
        return paths.filter((path) -> new File(path).canExecute()).findFirst();
    }

    /** Every request from now on carries these credentials (HTTP Basic). */
    public void credentials(String username, String password) {
        String basic = Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        this.driver.executeCdpCommand("Network.enable", Map.of());
        this.driver.executeCdpCommand("Network.setExtraHTTPHeaders",
                Map.of("headers", Map.of("Authorization", "Basic " + basic)));
    }

    public void get(String path) {
        this.driver.get(this.base + path);
    }

    public WebDriverWait waiting() {
        return new WebDriverWait(this.driver, WAIT);
    }

    /**
     * Saves a screenshot as {@code target/<name>}, and also in the folder that the system property
     * {@code console.screenshots} names (docs, to refresh the README's).
     */
    void screenshot(String name) throws IOException {
        Path shot = this.driver.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
        String folder = System.getProperty("console.screenshots");
        if (folder != null && !folder.isBlank()) {
            Files.copy(shot, Path.of(folder, name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            this.driver.quit();
        }
        finally {
            try (Stream<Path> files = Files.walk(this.profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach((path) -> path.toFile().delete());
            }
        }
    }
}
