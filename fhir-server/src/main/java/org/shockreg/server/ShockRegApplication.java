package org.shockreg.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** ShockReg in one process: FHIR server, intake, Camel routes, embedded or external PostgreSQL. */
@SpringBootApplication(scanBasePackages = "org.shockreg")
@ConfigurationPropertiesScan("org.shockreg")
public class ShockRegApplication {

  public static void main(String[] args) {
    SpringApplication.run(ShockRegApplication.class, args);
  }
}
