package dev.atelier.platform.ai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.atelier.platform.crypto.Keyring;
import dev.atelier.testing.OpenAiStub;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Routes per app and target, configuration from properties and environment variables, sealed keys. */
class AiRoutingTest {

    private static AiCall call(String app, String target) {
        return new AiCall(app, target, "req-" + UUID.randomUUID(), Duration.ofSeconds(5));
    }

    @Test
    void callsGoLocalUntilRoutedThenFollowTheMostSpecificRoute() {
        try (OpenAiStub stub = OpenAiStub.start();
                AiProviders providers = new AiProviders(AiSettings.defaults(), null)) {
            assertThat(providers.forCall(call("delula", "portrait")).name()).isEqualTo("local");
            providers.define(stub.settings("remote-a"));
            providers.define(stub.settings("remote-b"));
            providers.route("delula", "*", "remote-a");
            providers.route("delula", "portrait", "remote-b");
            assertThat(providers.forCall(call("delula", "portrait")).name()).isEqualTo("remote-b");
            assertThat(providers.forCall(call("delula", "anything")).name()).isEqualTo("remote-a");
            assertThat(providers.forCall(call("infinitestories", "story")).name())
                    .isEqualTo("local");
            providers.route("delula", "portrait", "local");
            assertThat(providers.forCall(call("delula", "portrait")).name()).isEqualTo("local");
            providers.clearRoute("delula", "portrait");
            assertThat(providers.forCall(call("delula", "portrait")).name()).isEqualTo("remote-a");
            providers.route("*", "*", "remote-b");
            assertThat(providers.forCall(call("algorhythmic", "art")).name()).isEqualTo("remote-b");
            assertThat(providers.provider("remote-a")).isPresent();
            assertThat(providers.provider("local")).isPresent();
            assertThat(providers.provider("nope")).isEmpty();
            assertThatThrownBy(() -> providers.route("delula", "x", "nope"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("nope");
            assertThatThrownBy(() -> providers.define(RemoteSettings.of("local", stub.baseUrl(), null)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void settingsFromDottedPropertiesAndEnvironmentVariables() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("atelier.ai.providers.openai.base-url", "https://api.example.com/v1");
        properties.put("atelier.ai.providers.openai.api-key", "sk-from-properties-123456");
        properties.put("atelier.ai.providers.openai.models.image", "dall-e-3");
        properties.put("atelier.ai.providers.openai.maxConcurrent", "7");
        properties.put("atelier.ai.providers.openai.timeout-ms", "45000");
        properties.put("atelier.ai.providers.openai.prices.per-image", "0.04");
        properties.put("ATELIER_AI_PROVIDERS_MY_LLM_BASE_URL", "http://10.0.0.5:8000");
        properties.put("ATELIER_AI_PROVIDERS_MY_LLM_MODELS_CHAT", "llama-3.1-8b");
        properties.put("ATELIER_AI_PROVIDERS_MY_LLM_MAX_RETRIES", "0");
        properties.put("ATELIER_AI_PROVIDERS_MY_LLM_PRICES_INPUT_PER_MILLION_TOKENS", "0.1");
        properties.put("atelier.ai.routes.delula.portrait-studio", "openai");
        properties.put("ATELIER_AI_ROUTES", "infinitestories:*=my_llm, infinitestories:illustration=openai");
        properties.put("atelier.ai.slot-lease-ms", "5000");
        properties.put("atelier.ai.local.faults", "delula:x=fail");
        AiSettings settings = AiSettings.from(properties);
        assertThat(settings.providers()).extracting(RemoteSettings::name).containsExactly("my_llm", "openai");
        RemoteSettings openai = settings.providers().get(1);
        assertThat(openai.apiKey()).isEqualTo("sk-from-properties-123456");
        assertThat(openai.model("image")).isEqualTo("dall-e-3");
        assertThat(openai.model("story")).isEqualTo("gpt-4o-mini");
        assertThat(openai.maxConcurrent()).isEqualTo(7);
        assertThat(openai.timeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(openai.prices().perImage()).isEqualByComparingTo("0.04");
        assertThat(openai.toString()).doesNotContain("sk-from-properties");
        RemoteSettings llm = settings.providers().get(0);
        assertThat(llm.baseUrl().toString()).isEqualTo("http://10.0.0.5:8000");
        assertThat(llm.model("scenes")).isEqualTo("llama-3.1-8b");
        assertThat(llm.maxRetries()).isZero();
        assertThat(llm.prices().inputPerMillionTokens()).isEqualByComparingTo(new BigDecimal("0.1"));
        assertThat(settings.routes())
                .containsEntry("delula:portrait-studio", "openai")
                .containsEntry("infinitestories:*", "my_llm")
                .containsEntry("infinitestories:illustration", "openai");
        assertThat(settings.slotLease()).isEqualTo(Duration.ofSeconds(5));

        try (AiProviders providers = new AiProviders(settings, null)) {
            assertThat(providers.forCall(call("infinitestories", "story")).name())
                    .isEqualTo("my_llm");
            assertThat(providers
                            .forCall(call("infinitestories", "illustration"))
                            .name())
                    .isEqualTo("openai");
            assertThat(providers.forCall(call("delula", "portrait-studio")).name())
                    .isEqualTo("openai");
            assertThatThrownBy(() -> providers.local().image(call("delula", "x"), ImagePrompt.of("a", 1, 16, 16)))
                    .isInstanceOf(AiException.class);
        }
    }

    @Test
    void badSettingsNameThePropertyNeverTheValue() {
        assertThatThrownBy(() -> AiSettings.from(Map.of("atelier.ai.providers.x.api-key", "sk-secret-value-999")))
                .hasMessageContaining("atelier.ai.providers.x.base-url")
                .hasMessageNotContaining("sk-secret");
        assertThatThrownBy(() -> AiSettings.from(
                        Map.of("atelier.ai.providers.x.base-url", "ftp://sk-secret-value-999@example.com")))
                .hasMessageNotContaining("sk-secret");
        assertThatThrownBy(() -> AiSettings.from(Map.of("atelier.ai.providers.x.colour", "blue")))
                .hasMessageContaining("unknown setting");
        assertThatThrownBy(() -> AiSettings.from(Map.of(
                        "atelier.ai.providers.x.base-url", "http://h", "atelier.ai.providers.x.max-concurrent", "0")))
                .hasMessageContaining("max-concurrent");
        assertThatThrownBy(() -> new AiProviders(
                                AiSettings.from(Map.of("atelier.ai.routes.delula.x", "undefined-provider")), null)
                        .close())
                .hasMessageContaining("undefined-provider");
    }

    @Test
    void aSealedKeyOpensIntoSettings() throws Exception {
        Path dir = Files.createTempDirectory("keyring");
        Keyring keyring = Keyring.load(null, dir);
        String context = "delula.provider_credentials.api_key:" + UUID.randomUUID();
        Keyring.Sealed sealed = keyring.seal("sk-sealed-abcdef123456", context);
        RemoteSettings settings =
                RemoteSettings.of("sealed", "https://api.example.com", null).withSealedKey(keyring, sealed, context);
        assertThat(settings.apiKey()).isEqualTo("sk-sealed-abcdef123456");
        assertThatThrownBy(() -> RemoteSettings.openKey(keyring, sealed, "another context"))
                .isInstanceOf(IllegalStateException.class);
        assertThat(List.of(settings.toString())).noneMatch(s -> s.contains("sk-sealed"));
    }
}
