package io.switchboard.deploy;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ContextConfiguration;

/** The application with the environment of overlays/cluster. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
@ContextConfiguration(initializers = ClusterOverlayOnTheApplicationTest.Environment.class)
class ClusterOverlayOnTheApplicationTest extends OverlayOnTheApplicationTest {

    @Override
    String overlay() {
        return "cluster";
    }

    static class Environment extends OverlayEnvironment {

        Environment() {
            super("cluster");
        }
    }
}
