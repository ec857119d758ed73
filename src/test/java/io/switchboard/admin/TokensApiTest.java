package io.switchboard.admin;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

import io.switchboard.relay.RelayEndpoint;
import io.switchboard.support.TestClient;
import io.switchboard.support.Tokens;

import static io.switchboard.admin.ProblemAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code POST /api/tokens} (ADMIN-API.md 1.1) on a server in token mode: the token it mints is
 * signed with the configured secret, carries what was asked and the configured issuer and
 * audience, and admits a client, whose {@code subject} the API then shows.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "switchboard.tcp.port=0", "switchboard.admin.password=" + TokensApiTest.PASSWORD,
        "switchboard.auth.mode=token", "switchboard.auth.jwt.secret=" + Tokens.SECRET,
        "switchboard.auth.jwt.issuer=https://relay.test", "switchboard.auth.jwt.audience=chat" })
class TokensApiTest {

    static final String PASSWORD = "tokens-operator-password";

    @LocalServerPort
    int httpPort;

    @Autowired
    RelayEndpoint endpoint;

    AdminHttp admin;

    @BeforeEach
    void setUp() {
        this.admin = AdminHttp.as(this.httpPort, "admin", PASSWORD);
        await().until(this.endpoint::isListening);
    }

    AdminHttp.Response mint(String json) {
        return this.admin.post("/api/tokens", json.getBytes(StandardCharsets.UTF_8), "application/json");
    }

    static JWTClaimsSet verified(String token) throws Exception {
        SignedJWT jwt = SignedJWT.parse(token);
        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("HS256");
        assertThat(jwt.verify(new MACVerifier(Base64.getDecoder().decode(Tokens.SECRET)))).isTrue();
        return jwt.getJWTClaimsSet();
    }

    @Test
    void mintsATokenWithWhatWasAskedThatAdmitsTheClient() throws Exception {
        Instant before = Instant.now();
        AdminHttp.Response response = mint("{\"sub\": \"dana\", \"sid\": 31, \"send\": [32, 4294967295], \"ttl\": \"PT2H\"}");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        JsonNode json = response.json();
        assertThat(json.properties()).extracting(java.util.Map.Entry::getKey).containsExactly("token", "expiresAt");
        Instant expiresAt = Instant.parse(json.get("expiresAt").asString());
        assertThat(expiresAt).isBetween(before.plus(Duration.ofHours(2)), Instant.now().plus(Duration.ofHours(2)).plusSeconds(1));
        JWTClaimsSet claims = verified(json.get("token").asString());
        assertThat(claims.getSubject()).isEqualTo("dana");
        assertThat(claims.getLongClaim("sid")).isEqualTo(31);
        assertThat(claims.getListClaim("send")).containsExactly(32L, 4294967295L);
        assertThat(claims.getIssuer()).isEqualTo("https://relay.test");
        assertThat(claims.getAudience()).containsExactly("chat");
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(expiresAt);

        try (TestClient client = TestClient.connectWithToken(this.endpoint.port(), json.get("token").asString())) {
            assertThat(client.id()).isEqualTo(31);
            JsonNode view = this.admin.client(31);
            assertThat(view.get("subject").asString()).isEqualTo("dana");
            assertThat(view.get("throttled").asBoolean()).isFalse();
        }
    }

    @Test
    void everyFieldIsOptionalAndTheDefaultLifetimeIsAnHour() throws Exception {
        for (String body : List.of("", "{}", "{\"sub\": null}")) {
            Instant before = Instant.now();
            AdminHttp.Response response = mint(body);
            assertThat(response.status()).as(body + ": " + response).isEqualTo(200);
            JWTClaimsSet claims = verified(response.json().get("token").asString());
            assertThat(claims.getSubject()).isNull();
            assertThat(claims.getClaim("sid")).isNull();
            assertThat(claims.getClaim("send")).isNull();
            assertThat(claims.getExpirationTime().toInstant())
                    .isBetween(before.plus(Duration.ofHours(1)), Instant.now().plus(Duration.ofHours(1)).plusSeconds(1));
            try (TestClient client = TestClient.connectWithToken(this.endpoint.port(), response.json().get("token").asString())) {
                assertThat(Integer.toUnsignedLong(client.id())).isGreaterThanOrEqualTo(2147483648L);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "{\"sid\": \"31\"}", "{\"sid\": 0}", "{\"sid\": 2147483648}", "{\"sid\": 3.5}",
            "{\"sid\": -1}", "{\"send\": 5}", "{\"send\": [0]}", "{\"send\": [\"5\"]}", "{\"send\": [4294967296]}",
            "{\"sub\": 5}", "{\"sub\": [\"x\"]}", "{\"ttl\": \"P31D\"}", "{\"ttl\": \"PT0S\"}", "{\"ttl\": \"-PT1H\"}",
            "{\"ttl\": \"1h\"}", "{\"ttl\": 3600}", "{\"subject\": \"typo\"}", "{\"sid\": 1, \"sid\": 2}", "[1]", "\"x\"",
            "{\"sub\": ", "not json" })
    void aFieldOutOfRangeOfTheWrongTypeOrUnknownIs400(String body) {
        JsonNode problem = assertProblem(mint(body), 400);
        assertThat(problem.get("detail").asString()).isNotBlank();
    }

    @Test
    void aTokenOverWhatAHelloCarriesIs400() {
        StringBuilder many = new StringBuilder("{\"send\": [1");
        for (int i = 2; i < 1200; i++) {
            many.append(", ").append(4_000_000_000L + i);
        }
        JsonNode problem = assertProblem(mint(many.append("]}").toString()), 400);
        assertThat(problem.get("detail").asString()).contains("8192");
    }

    @Test
    void mintingNeedsTheOperatorsCredentials() {
        assertThat(AdminHttp.anonymous(this.httpPort).post("/api/tokens", "{}".getBytes(StandardCharsets.UTF_8),
                "application/json").status()).isEqualTo(401);
    }
}
