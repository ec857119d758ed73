package io.switchboard.relay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import io.switchboard.client.Incoming;
import io.switchboard.client.Message;
import io.switchboard.client.SendError;
import io.switchboard.protocol.ErrorCode;
import io.switchboard.protocol.Wire;
import io.switchboard.support.FrameCollector;
import io.switchboard.support.OutcomeLedger;
import io.switchboard.support.TaggedPayload;
import io.switchboard.support.TestClient;
import io.switchboard.support.Tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Token mode (PROTOCOL.md section 8) on a real relay: the HELLO, each reason a connection is not
 * admitted with its exact answer and nothing of it routed, the assigned range, stable IDs with
 * the newest connection winning, and {@code send} permissions. max-payload-bytes is set below
 * the token's own limit, which the HELLO keeps all the same.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0", "switchboard.auth.mode=token",
        "switchboard.auth.jwt.secret=" + Tokens.SECRET, "switchboard.auth.jwt.issuer=https://issuer.test",
        "switchboard.auth.jwt.audience=switchboard", "switchboard.auth.hello-timeout=1s",
        "switchboard.max-payload-bytes=4096" })
class TokenModeTest extends RelayTestSupport {

    /** Greeting 0, then ERROR AUTH_FAILED with dest 0 and seq 0: the whole answer to a refused HELLO. */
    static final byte[] NOT_ADMITTED = { 0, 0, 0, 0, Wire.TYPE_ERROR, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

    static final long FIRST_ASSIGNED_ID = 2147483648L;

    @Autowired
    MeterRegistry meters;

    @Autowired
    RelayServerConnectionFactory factory;

    /** Claims this server admits: its issuer and audience, valid for an hour. */
    static Map<String, Object> valid() {
        Map<String, Object> claims = new HashMap<>();
        claims.put("iss", "https://issuer.test");
        claims.put("aud", "switchboard");
        return claims;
    }

    static Map<String, Object> valid(String name, Object value) {
        Map<String, Object> claims = valid();
        claims.put(name, value);
        return claims;
    }

    static String token(Map<String, Object> claims) {
        return Tokens.hs256(claims);
    }

    TestClient admitted(Map<String, Object> claims) throws IOException {
        TestClient client = track(TestClient.connectWithToken(port(), token(claims)));
        assertThat(Integer.toUnsignedLong(client.id())).as("greeting").isNotZero();
        return client;
    }

    @Test
    void aValidTokenIsAdmittedWithAnIdFromTheAssignedRangeAndTheHelloIsNotNumbered() throws Exception {
        TestClient a = admitted(valid("sub", "alice"));
        TestClient b = admitted(valid());
        assertThat(Integer.toUnsignedLong(a.id())).isGreaterThanOrEqualTo(FIRST_ASSIGNED_ID);
        assertThat(Integer.toUnsignedLong(b.id())).isGreaterThanOrEqualTo(FIRST_ASSIGNED_ID);
        assertThat(session(a).subject()).isEqualTo("alice");
        assertThat(session(b).subject()).isNull();
        // The first SEND after the HELLO is seq 1.
        assertThat(a.send(b.id(), "hi".getBytes())).isEqualTo(1);
        long unknown = a.send(12345, new byte[0]);
        assertThat(b.readDeliver().payload()).isEqualTo("hi".getBytes());
        assertThat(a.readError()).isEqualTo(new SendError(ErrorCode.UNKNOWN_DESTINATION, 12345, unknown));
        assertThat(unknown).isEqualTo(2);
    }

    @Test
    void framesInTheHellosWriteAfterItAreRoutedOnceAdmitted() throws Exception {
        TestClient b = admitted(valid());
        TestClient a = track(TestClient.connectWithoutGreeting(port()));
        a.writeRaw(TestClient.frames(TestClient.hello(token(valid())), TestClient.sendFrame(b.id(), "one".getBytes()),
                TestClient.sendFrame(b.id(), "two".getBytes())));
        a.countSent(2);
        assertThat(a.readGreeting()).isNotZero();
        assertThat(b.readDeliver().payload()).isEqualTo("one".getBytes());
        assertThat(b.readDeliver().payload()).isEqualTo("two".getBytes());
    }

    @Test
    void aHelloLargerThanMaxPayloadBytesIsTakenUpToTheTokensOwnLimit() throws Exception {
        String sub = "s".repeat(5000);
        String token = token(valid("sub", sub));
        assertThat(token.length()).isBetween(5000, 8192);
        TestClient a = track(TestClient.connectWithToken(port(), token));
        assertThat(a.id()).isNotZero();
        assertThat(session(a).subject()).isEqualTo(sub);
        // Frames after the HELLO are held to max-payload-bytes (4096) again.
        TestClient b = admitted(valid());
        long seq = a.send(b.id(), new byte[4097]);
        assertThat(a.readError()).isEqualTo(new SendError(ErrorCode.FRAME_TOO_LARGE, Integer.toUnsignedLong(b.id()), seq));
        assertThat(a.awaitClosedByServer(PATIENCE)).isTrue();
    }

    /** A token this server does not admit, and the reason it counts. */
    record Refused(String name, String reason, byte[] hello) {
        @Override
        public String toString() {
            return this.name;
        }
    }

    static List<Refused> refused() {
        List<Refused> cases = new ArrayList<>();
        JWTClaimsSet expired = Tokens.claims(valid("exp", Date.from(Instant.now().minusSeconds(5))));
        // Five parts: an encrypted JWT, whose claims the relay cannot read.
        cases.add(refused("encrypted", "malformed",
                "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIn0.a2V5.aXY.Y2lwaGVy.dGFn"));
        cases.add(refused("expired", "expired", Tokens.hs256(expired)));
        cases.add(refused("not yet valid", "not-yet-valid",
                token(valid("nbf", Date.from(Instant.now().plus(Duration.ofMinutes(5)))))));
        cases.add(refused("no exp", "claim", Tokens.hs256(new JWTClaimsSet.Builder().issuer("https://issuer.test")
                .audience("switchboard").build())));
        long hour = Instant.now().plus(Duration.ofHours(1)).getEpochSecond();
        cases.add(refused("exp a string", "claim", Tokens.hs256Raw(
                "{\"iss\":\"https://issuer.test\",\"aud\":\"switchboard\",\"exp\":\"tomorrow\"}")));
        cases.add(refused("sub a number", "claim", Tokens.hs256Raw(
                "{\"iss\":\"https://issuer.test\",\"aud\":\"switchboard\",\"exp\":" + hour + ",\"sub\":5}")));
        cases.add(refused("claims not a JSON object", "malformed", Tokens.hs256Raw("[1,2]")));
        cases.add(refused("wrong issuer", "issuer", token(valid("iss", "https://elsewhere.test"))));
        cases.add(refused("no issuer", "issuer", token(valid("iss", null))));
        cases.add(refused("wrong audience", "audience", token(valid("aud", List.of("other", "more")))));
        cases.add(refused("sid a string", "claim", token(valid("sid", "7"))));
        cases.add(refused("sid 0", "claim", token(valid("sid", 0))));
        cases.add(refused("sid past 2147483647", "claim", token(valid("sid", 2147483648L))));
        cases.add(refused("sid a fraction", "claim", token(valid("sid", 7.5))));
        cases.add(refused("send not an array", "claim", token(valid("send", 5))));
        cases.add(refused("send holding a string", "claim", token(valid("send", List.of(5, "six")))));
        cases.add(refused("send holding a negative", "claim", token(valid("send", List.of(-1)))));
        String good = token(valid());
        cases.add(refused("bad signature", "signature", good.substring(0, good.length() - 4)
                + (good.endsWith("AAAA") ? "BBBB" : "AAAA")));
        cases.add(refused("another key", "signature", Tokens.sign(Tokens.claims(valid()), JWSAlgorithm.HS256,
                Tokens.secretSigner("b3RoZXItc2VjcmV0LW9mLWF0LWxlYXN0LTMyLWJ5dGVzIQ=="))));
        cases.add(refused("unsigned (alg none)", "signature",
                new PlainJWT(new PlainHeader(), Tokens.claims(valid())).serialize()));
        cases.add(refused("not a JWT", "malformed", "hello"));
        cases.add(refused("empty", "malformed", ""));
        cases.add(new Refused("not UTF-8", "malformed", TestClient.sendFrame(0, new byte[] { (byte) 0xC3, 0x28 })));
        cases.add(new Refused("over 8192 bytes", "too-large", TestClient.sendFrame(0, new byte[8193])));
        cases.add(new Refused("a first frame to dest 5", "not-hello",
                TestClient.sendFrame(5, token(valid()).getBytes(StandardCharsets.UTF_8))));
        cases.add(new Refused("a first frame to dest 5 over 8192 bytes", "not-hello", TestClient.sendFrame(5, new byte[9000])));
        return cases;
    }

    static Refused refused(String name, String reason, String token) {
        return new Refused(name, reason, TestClient.hello(token));
    }

    /**
     * Greeting 0, AUTH_FAILED, the close; the reason counted; and nothing it sent routed: the
     * SEND after the HELLO, in the same write, never reaches its destination, which reads a
     * marker sent after the refusal first.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void aConnectionThatIsNotAdmittedGetsGreetingZeroAndAuthFailedAndNothingOfItIsRouted(Refused refused)
            throws Exception {
        TestClient receiver = admitted(valid());
        TestClient other = admitted(valid());
        Map<String, Double> before = authFailures();
        TestClient stranger = track(TestClient.connectWithoutGreeting(port()));
        stranger.writeRaw(TestClient.frames(refused.hello(), TestClient.sendFrame(receiver.id(), "smuggled".getBytes())));
        assertThat(stranger.readAllBytes()).isEqualTo(NOT_ADMITTED);
        Map<String, Double> counted = authFailures();
        counted.replaceAll((reason, count) -> count - before.getOrDefault(reason, 0.0));
        counted.values().removeIf((count) -> count == 0);
        assertThat(counted).isEqualTo(Map.of(refused.reason(), 1.0));
        other.send(receiver.id(), "marker".getBytes());
        assertThat(receiver.readDeliver().payload()).isEqualTo("marker".getBytes());
    }

    /**
     * A client that goes on writing after a refused HELLO still reads the whole answer: the
     * server drops what it sends before closing, as closing with it unread would reset the
     * connection and could lose the answer.
     */
    @Test
    void aRefusedClientThatGoesOnWritingStillReadsTheWholeAnswer() throws Exception {
        int before = this.factory.getOpenConnectionIds().size();
        TestClient stranger = track(TestClient.connectWithoutGreeting(port()));
        // More than the server reads with the HELLO: bytes it has not read when it closes.
        stranger.writeRaw(TestClient.frames(TestClient.hello("not a token"), new byte[256 * 1024]));
        await().atMost(PATIENCE).until(() -> this.factory.getOpenConnectionIds().size() == before);
        assertThat(stranger.readAllBytes()).isEqualTo(NOT_ADMITTED);
    }

    @Test
    void noHelloWithinTheTimeoutIsRefusedEvenWhenItComesAByteAtATime() throws Exception {
        double before = authFailures("timeout");
        TestClient silent = track(TestClient.connectWithoutGreeting(port()));
        TestClient dribbling = track(TestClient.connectWithoutGreeting(port()));
        byte[] hello = TestClient.hello(token(valid()));
        long start = System.nanoTime();
        // A byte every 100 ms: 1 s of hello-timeout passes long before the HELLO is complete.
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                for (byte b : hello) {
                    dribbling.writeRaw(new byte[] { b });
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000_000);
                }
            }
            catch (IOException ex) {
                // Closed by the server: what this test expects.
            }
        });
        assertThat(silent.readAllBytes()).isEqualTo(NOT_ADMITTED);
        assertThat(dribbling.readAllBytes()).isEqualTo(NOT_ADMITTED);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        writer.join(PATIENCE.toMillis());
        assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));
        assertThat(authFailures("timeout") - before).isEqualTo(2);
    }

    /**
     * The older connection with the stable ID does not read, so messages to it stay queued; once
     * the newer one is greeted, the older is closed and every message sent to it has one
     * outcome: read by the older connection, or DESTINATION_GONE. The protocol's one gap is
     * allowed: the batch being written at the close may end as DESTINATION_GONE as a whole though
     * the older client's kernel took part of it.
     */
    @Test
    void aStableIdIsTheClientsAndTheNewestConnectionWins() throws Exception {
        TestClient sender = admitted(valid());
        OutcomeLedger ledger = new OutcomeLedger();
        FrameCollector senderFrames = collectInto(ledger, sender);
        TestClient older = track(TestClient.connectWithToken(port(), token(valid("sid", 42)), SMALL_RECEIVE_BUFFER));
        assertThat(older.id()).isEqualTo(42);
        // Its queue full: the kernel's buffers are full too, and what is queued stays queued.
        result(floodUntilFull(sender, older, 4000, 0, ledger));
        TestClient newer = track(TestClient.connectWithToken(port(), token(valid("sid", 42))));
        assertThat(newer.id()).isEqualTo(42);
        // SENDs to 42 that the server reads from now on (the flood's last ones, which the kernel
        // still held) go to the newer connection.
        FrameCollector newerFrames = collectInto(ledger, newer);
        for (Incoming frame : older.readUntilClosed()) {
            ledger.delivered(older.id(), (Message) frame);
        }
        long last = sendTracked(ledger, sender, newer, 100);
        await().atMost(PATIENCE).until(ledger::isComplete);
        senderFrames.stop();
        newerFrames.stop();
        List<Long> toNewer = newerFrames.delivers().stream().map((d) -> TaggedPayload.seq(d.payload())).toList();
        assertThat(toNewer).isSorted().endsWith(last);
        System.out.println("Stable ID taken over: outcomes " + ledger.tally());
        assertThat(ledger.problems()).allSatisfy(problem -> assertThat(problem)
                .as("only a message of the batch being written at the close may have two outcomes")
                .contains("has 2 outcomes", "DELIVER at 42", "DESTINATION_GONE"));
        // A writer gathers at most 256 KiB into one write.
        assertThat(ledger.problems().size()).isLessThanOrEqualTo(256 * 1024 / 4000 + 1);
        assertThat(ledger.tally()).containsKey("DESTINATION_GONE");
        assertThat(this.registry.get(42)).isSameAs(session(newer));
    }

    @Test
    void sendPermissionsRefuseOtherDestinationsWithForbiddenBeforeRouting() throws Exception {
        TestClient allowed = admitted(valid());
        TestClient bystander = admitted(valid());
        TestClient limited = admitted(valid("send", List.of(Integer.toUnsignedLong(allowed.id()), 7)));
        assertThat(limited.send(allowed.id(), "1".getBytes())).isEqualTo(1);
        long toBystander = limited.send(bystander.id(), "2".getBytes());
        long toUnknown = limited.send(99, "3".getBytes());
        long toOperator = limited.send(0, "4".getBytes());
        long toSevenUnknown = limited.send(7, "5".getBytes());
        limited.send(allowed.id(), "6".getBytes());
        assertThat(limited.readError()).isEqualTo(new SendError(ErrorCode.FORBIDDEN, Integer.toUnsignedLong(bystander.id()), toBystander));
        assertThat(limited.readError()).isEqualTo(new SendError(ErrorCode.FORBIDDEN, 99, toUnknown));
        assertThat(limited.readError()).isEqualTo(new SendError(ErrorCode.FORBIDDEN, 0, toOperator));
        // Allowed, but not connected: the usual outcome.
        assertThat(limited.readError()).isEqualTo(new SendError(ErrorCode.UNKNOWN_DESTINATION, 7, toSevenUnknown));
        assertThat(toSevenUnknown).isEqualTo(5);
        assertThat(allowed.readDeliver().payload()).isEqualTo("1".getBytes());
        assertThat(allowed.readDeliver().payload()).isEqualTo("6".getBytes());
        // The bystander gets nothing: a marker from elsewhere comes first.
        allowed.send(bystander.id(), "marker".getBytes());
        assertThat(bystander.readDeliver().payload()).isEqualTo("marker".getBytes());
    }

    private Map<String, Double> authFailures() {
        Map<String, Double> counts = new HashMap<>();
        this.meters.get("switchboard.auth.failures").counters()
                .forEach((counter) -> counts.put(counter.getId().getTag("reason"), counter.count()));
        return counts;
    }

    private double authFailures(String reason) {
        return this.meters.get("switchboard.auth.failures").tag("reason", reason).counter().count();
    }
}
