package io.switchboard.admin;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.switchboard.client.Message;
import io.switchboard.relay.ClientRegistry;
import io.switchboard.relay.RelayEndpoint;
import io.switchboard.support.TestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console in a real browser (headless Chromium), against the running application with
 * real TCP clients: what an operator sees moves with the relay, and what the operator does
 * reaches the clients. Skipped, saying how to install one, where the machine has no Chromium.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0", "switchboard.admin.password=" + ConsoleBrowserTest.PASSWORD,
        "switchboard.overflow-policy=reject" })
class ConsoleBrowserTest {

    static final String PASSWORD = "console-browser-password";
    static final int MANY = 2000;

    @LocalServerPort
    int httpPort;

    @Autowired
    RelayEndpoint endpoint;

    @Autowired
    ClientRegistry registry;

    ConsoleBrowser browser;

    @BeforeAll
    void openBrowser() throws Exception {
        this.browser = ConsoleBrowser.open(this.httpPort).orElse(null);
        if (this.browser == null) {
            // Surefire lists skips without their reason: say it where a build's reader looks.
            System.err.println("ConsoleBrowserTest skipped: no Chromium; apt-get install chromium chromium-driver");
        }
    }

    @AfterAll
    void closeBrowser() throws Exception {
        if (this.browser != null) {
            this.browser.close();
        }
    }

    @BeforeEach
    void setUp() {
        ConsoleBrowser.assumeInstalled(this.browser);
        await().until(this.endpoint::isListening);
        await().until(() -> this.registry.size() == 0);
        this.browser.credentials("admin", PASSWORD);
    }

    TestClient connect() throws Exception {
        return TestClient.connect(this.endpoint.port());
    }

    static long id(TestClient client) {
        return Integer.toUnsignedLong(client.id());
    }

    /** Waits for the page that a submitted form leads to: its address says so, and it has loaded. */
    void loaded(String addressPart) {
        this.browser.waiting().until((driver) -> driver.getCurrentUrl().contains(addressPart)
                && "complete".equals(((JavascriptExecutor) driver).executeScript("return document.readyState")));
    }

    /** An element's text, read in one step: the live fragments are replaced every second, elements and all. */
    String text(String id) {
        Object text = ((JavascriptExecutor) this.browser.driver).executeScript(
                "const e = document.getElementById(arguments[0]); return e ? e.innerText.trim() : ''", id);
        return String.valueOf(text);
    }

    @Test
    void theOverviewsCountersMoveWhenClientsExchangeMessages() throws Exception {
        this.browser.get("/console/");
        this.browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chart-messages canvas")));
        long before = Long.parseLong(text("n-total-in").replace(",", ""));
        try (TestClient a = connect(); TestClient b = connect()) {
            for (int i = 0; i < 50; i++) {
                a.send(b.id(), ("message " + i).getBytes(StandardCharsets.UTF_8));
            }
            for (int i = 0; i < 50; i++) {
                b.readDeliver();
            }
            this.browser.waiting().until((driver) -> Long.parseLong(text("n-total-in").replace(",", "")) >= before + 50);
            this.browser.waiting().until((driver) -> Long.parseLong(text("n-total-out").replace(",", "")) >= before + 50);
            this.browser.waiting().until((driver) -> text("n-clients").equals("2"));
            // A second of traffic shows as a rate while it lasts.
            this.browser.waiting().withTimeout(Duration.ofSeconds(20)).until((driver) -> {
                try {
                    a.send(b.id(), new byte[100]);
                    b.readDeliver();
                }
                catch (Exception ex) {
                    throw new IllegalStateException(ex);
                }
                return !text("n-messages-in").equals("0.0");
            });
            this.browser.screenshot("console-overview.png");
        }
    }

    @Test
    void aClientThatConnectsAppearsWithoutAReloadAndOneThatLeavesGoes() throws Exception {
        this.browser.get("/console/clients");
        ((JavascriptExecutor) this.browser.driver).executeScript("window.notReloaded = true");
        try (TestClient client = connect()) {
            By row = By.id("client-" + id(client));
            this.browser.waiting().until(ExpectedConditions.presenceOfElementLocated(row));
            assertThat(text("client-" + id(client))).contains(client.socket().getLocalPort() + "");
            client.close();
            this.browser.waiting().until(ExpectedConditions.numberOfElementsToBe(row, 0));
        }
        assertThat(((JavascriptExecutor) this.browser.driver).executeScript("return window.notReloaded")).isEqualTo(true);
    }

    @Test
    void searchFindsAClientByAddressAndById() throws Exception {
        try (TestClient wanted = connect(); TestClient other = connect()) {
            this.browser.get("/console/clients");
            WebElement search = this.browser.driver.findElement(By.id("q"));
            search.sendKeys(":" + wanted.socket().getLocalPort(), Keys.ENTER);
            loaded("q=%3A" + wanted.socket().getLocalPort());
            this.browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("client-" + id(wanted))));
            assertThat(this.browser.driver.findElements(By.id("client-" + id(other)))).isEmpty();

            this.browser.get("/console/clients");
            this.browser.driver.findElement(By.id("q")).sendKeys(Long.toString(id(other)), Keys.ENTER);
            loaded("q=" + id(other));
            this.browser.waiting().until(ExpectedConditions.presenceOfElementLocated(By.id("client-" + id(other))));
            assertThat(this.browser.driver.findElements(By.cssSelector("#clients tbody tr"))).hasSize(1);
        }
    }

    @Test
    void theOperatorSendsAndTheClientReceivesItByteForByte() throws Exception {
        try (TestClient client = connect()) {
            this.browser.get("/console/clients/" + id(client));
            String message = "héllo ✓ <b>from the console</b> & more";
            this.browser.driver.findElement(By.id("send-body")).sendKeys(message);
            this.browser.driver.findElement(By.cssSelector("#send + form button, form[hx-post$='/messages'] button")).click();
            this.browser.waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("send-result"), "delivered"));
            Message deliver = client.readDeliver();
            assertThat(deliver.src()).isZero();
            assertThat(deliver.payload()).isEqualTo(message.getBytes(StandardCharsets.UTF_8));

            WebElement body = this.browser.driver.findElement(By.id("send-body"));
            body.clear();
            body.sendKeys("00 01 fe ff");
            this.browser.driver.findElement(By.cssSelector("input[name=format][value=hex]")).click();
            this.browser.driver.findElement(By.cssSelector("form[hx-post$='/messages'] button")).click();
            this.browser.waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("send-result"), "4 bytes"));
            assertThat(client.readDeliver().payload()).containsExactly(0x00, 0x01, 0xfe, 0xff);
        }
    }

    @Test
    void sendingToAClientThatHasGoneShowsTheOutcome() throws Exception {
        TestClient client = connect();
        int id = client.id();
        this.browser.get("/console/clients/" + id(client));
        client.close();
        await().until(() -> this.registry.get(id) == null);
        this.browser.driver.findElement(By.id("send-body")).sendKeys("too late");
        this.browser.driver.findElement(By.cssSelector("form[hx-post$='/messages'] button")).click();
        this.browser.waiting().until(ExpectedConditions.textMatches(By.id("send-result"), java.util.regex.Pattern.compile("40[4]|410")));
        assertThat(text("send-result")).containsAnyOf("404 Not Found", "410 Gone");
    }

    @Test
    void disconnectingFromThePageClosesTheClient() throws Exception {
        try (TestClient client = connect()) {
            this.browser.get("/console/clients/" + id(client));
            this.browser.driver.findElement(By.cssSelector("form[hx-post$='/disconnect'] button")).click();
            this.browser.waiting().until(ExpectedConditions.alertIsPresent()).accept();
            this.browser.waiting().until(ExpectedConditions.textToBePresentInElementLocated(By.id("disconnect-result"),
                    "disconnected"));
            assertThat(client.awaitClosedByServer(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void thePagesFitANarrowScreen() throws Exception {
        org.openqa.selenium.Dimension wide = this.browser.driver.manage().window().getSize();
        try (TestClient client = connect()) {
            this.browser.driver.manage().window().setSize(new org.openqa.selenium.Dimension(360, 800));
            for (String path : new String[] { "/console/", "/console/clients", "/console/clients/" + id(client) }) {
                this.browser.get(path);
                // The page itself never scrolls sideways; the client table scrolls inside its own box.
                Object wider = ((JavascriptExecutor) this.browser.driver).executeScript("""
                        const width = document.documentElement.clientWidth;
                        return Array.from(document.querySelectorAll('body *'))
                            .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.closest('.scroll'))
                            .map((e) => e.tagName + '#' + e.id + '.' + e.className).slice(0, 5).join(' ');
                        """);
                assertThat(wider).as(path + ": elements wider than the screen").isEqualTo("");
                Object overflow = ((JavascriptExecutor) this.browser.driver).executeScript(
                        "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
                // A pixel is the rounding of fractional widths, not a scroll anyone sees.
                assertThat(((Number) overflow).intValue()).as(path + ": sideways scroll").isLessThanOrEqualTo(1);
            }
        }
        finally {
            this.browser.driver.manage().window().setSize(wide);
        }
    }

    /** The browser shows nothing (headless, it has no prompt); ConsoleHttpTest checks the 401s of every path. */
    @Test
    void aWrongPasswordGetsNothing() throws Exception {
        try (TestClient client = connect()) {
            this.browser.credentials("admin", "not-the-password");
            for (String path : new String[] { "/console/", "/console/clients", "/console/clients/" + id(client) }) {
                this.browser.get(path);
                String page = this.browser.driver.getPageSource();
                assertThat(page).as(path).doesNotContain("Switchboard").doesNotContain("Clients connected")
                        .doesNotContain(client.socket().getLocalPort() + "");
            }
        }
    }

    @Test
    void pagingThroughAFewThousandClients() throws Exception {
        List<TestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < MANY; i++) {
                clients.add(connect());
            }
            this.browser.get("/console/clients?size=500");
            Set<Object> seen = new HashSet<>();
            int pages = 0;
            while (true) {
                // In one call, once the page has all its rows (every page but the last is full): the
                // live stream replaces the rows every second.
                List<?> ids = this.browser.waiting().until((driver) -> (List<?>) ((JavascriptExecutor) driver).executeScript("""
                        const ids = Array.from(document.querySelectorAll('#clients tbody tr[id]')).map((row) => row.id);
                        const complete = document.readyState === 'complete';
                        return complete && (ids.length === 500 || !document.querySelector('a[rel=next]')) ? ids : null;
                        """));
                assertThat(ids).hasSizeLessThanOrEqualTo(500);
                seen.addAll(ids);
                pages++;
                List<WebElement> next = this.browser.driver.findElements(By.cssSelector("a[rel=next]"));
                if (next.isEmpty()) {
                    break;
                }
                Object first = ids.getFirst();
                next.getFirst().click();
                // The next page has loaded once its first row is another client.
                this.browser.waiting().until((driver) -> {
                    Object now = ((JavascriptExecutor) driver).executeScript("const row = document.readyState === 'complete'"
                            + " && document.querySelector('#clients tbody tr[id]'); return row ? row.id : null");
                    return now != null && !now.equals(first);
                });
            }
            assertThat(seen).hasSize(MANY);
            assertThat(pages).isEqualTo(MANY / 500);
            this.browser.get("/console/clients?size=15&order=queued");
            this.browser.waiting().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#clients tbody tr[id]"), 15));
            this.browser.get("/console/clients?size=15");
            this.browser.screenshot("console-clients.png");
        }
        finally {
            for (TestClient client : clients) {
                client.close();
            }
        }
    }
}
