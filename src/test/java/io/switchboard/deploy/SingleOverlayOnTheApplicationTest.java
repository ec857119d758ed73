package io.switchboard.deploy;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

/** The application with the environment of overlays/single. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
@ContextConfiguration(initializers = SingleOverlayOnTheApplicationTest.Environment.class)
class SingleOverlayOnTheApplicationTest extends OverlayOnTheApplicationTest {

    @Override
    String overlay() {
        return "single";
    }

    static class Environment extends OverlayEnvironment {

        Environment() {
            super("single");
        }
    }
}
