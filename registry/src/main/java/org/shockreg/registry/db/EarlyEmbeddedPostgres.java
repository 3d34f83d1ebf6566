package org.shockreg.registry.db;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Starts the embedded PostgreSQL on a thread of its own as soon as the bean definitions are known,
 * so the ~2-3 s it takes (binaries, postmaster start, a crash's WAL replay) overlap with the web
 * server and the rest of the context instead of following them: the DataSource is first asked for
 * well after that. The {@code embeddedPostgres} bean takes the started server ({@link #take}) and
 * owns it from then on; if the context fails before it does, {@link #destroy()} stops the server. A
 * start that fails fails the bean, as before.
 */
final class EarlyEmbeddedPostgres
    implements BeanFactoryPostProcessor, EnvironmentAware, DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(EarlyEmbeddedPostgres.class);

  private Environment environment;
  private Path pgData;
  private CompletableFuture<EmbeddedPostgresServer> starting; // null once taken

  @Override
  public void setEnvironment(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    DataDirectoryProperties dirs =
        Binder.get(environment).bindOrCreate("shockreg", DataDirectoryProperties.class);
    Path pg = dirs.resolve("pg");
    CompletableFuture<EmbeddedPostgresServer> future = new CompletableFuture<>();
    synchronized (this) {
      pgData = pg;
      starting = future;
    }
    Thread t =
        new Thread(
            () -> {
              try {
                future.complete(EmbeddedPostgresServer.start(pg));
              } catch (IOException | RuntimeException | Error e) {
                future.completeExceptionally(e);
              }
            },
            "embedded-postgres-start");
    t.setDaemon(true);
    t.start();
    log.debug("event=embedded_postgres_start_early dataDir={}", pg);
  }

  /** The server started early for this folder, waited for; or, if none was, one started now. */
  EmbeddedPostgresServer take(Path pg) throws IOException {
    CompletableFuture<EmbeddedPostgresServer> future;
    synchronized (this) {
      if (!pg.equals(pgData) || starting == null) {
        future = null; // none started for this folder (or taken): destroy() stops a stray one
      } else {
        future = starting;
        starting = null;
      }
    }
    if (future == null) {
      return EmbeddedPostgresServer.start(pg);
    }
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the embedded PostgreSQL started", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException("embedded PostgreSQL did not start", e.getCause());
    }
  }

  /** A context that failed before the bean took the server: stop it here. */
  @Override
  public void destroy() throws Exception {
    CompletableFuture<EmbeddedPostgresServer> future;
    synchronized (this) {
      future = starting;
      starting = null;
    }
    if (future != null) {
      try {
        future.get().close();
      } catch (ExecutionException e) {
        log.debug("event=embedded_postgres_early_start_failed dataDir={}", pgData, e.getCause());
      }
    }
  }
}
