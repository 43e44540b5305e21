import Foundation
import Testing
import Yams
@testable import TeleClaudeMigration

@Suite("The .env parser")
struct EnvFileTests {
    @Test(arguments: [
        ("KEY=value", "value"),
        ("export KEY=value", "value"),
        ("  export   KEY = value  ", "value"),
        ("KEY='single # not a comment'", "single # not a comment"),
        ("KEY=\"double \\\"quoted\\\" \\n line\"", "double \"quoted\" \n line"),
        ("KEY=a=b=c", "a=b=c"),
        ("KEY=value # a comment", "value"),
        ("KEY=value#kept", "value#kept"),
        ("KEY=", ""),
        ("KEY=value\r", "value"),
        ("KEY='p4ss=with=equals' # note", "p4ss=with=equals"),
        ("KEY=${HOME}/Projects", "${HOME}/Projects"),
    ])
    func form(line: String, value: String) throws {
        let env = try EnvFile.parse("# comment\r\n\r\n" + line + "\nOTHER=1\n", path: ".env")
        #expect(env.entries.map(\.name) == ["KEY", "OTHER"])
        #expect(env.values["KEY"] == value)
        #expect(env.entries.first?.line == 3)
    }

    @Test func multiLineDoubleQuotedValue() throws {
        let env = try EnvFile.parse("CERT=\"line one\nline two\"\nNEXT=x\n", path: ".env")
        #expect(env.values == ["CERT": "line one\nline two", "NEXT": "x"])
    }

    @Test(arguments: [
        ("just-a-secret-word-hunter2", 2, "expected KEY=value"),
        ("9KEY=hunter2", 2, "the name before '='"),
        ("KEY='hunter2", 2, "no closing quote"),
        ("KEY=\"hunter2", 2, "no closing quote"),
        ("KEY='hunter2' trailing", 2, "after the closing quote"),
    ])
    func malformedLineIsNamedWithoutItsValue(line: String, number: Int, reason: String) {
        do {
            _ = try EnvFile.parse("OK=1\n" + line + "\n", path: "/p/.env")
            Issue.record("accepted \(line)")
        } catch {
            let message = "\(error)"
            #expect(message.contains("/p/.env, line \(number)"))
            #expect(message.contains(reason))
            #expect(!message.contains("hunter2"))
        }
    }
}

@Suite("Splitting config.yml into layers")
struct ConfigSplitTests {
    static let config = """
        # Header comment of the admin.

        computer:
          name: box          # shown in titles
        # about telegram
        telegram:
          bot_token: ${TELEGRAM_BOT_TOKEN}
          webhook:
            signing_secret: "literal-signing-secret-1"
            url: https://bot:pa55word@example.org/hook
        ui:
          theme: dark        # user comment kept
        tts:
          voice: alloy
          api_key: 'sk-literal000000000000000000000000'
        integrations:
          - name: slack
            token: xoxb-111111111111-222222222222-abcdefabcdef
        experiments: {streaming: true}
        limits:
          password_length: 12
          max_token: 4096

        """
    static let env = """
        TELEGRAM_BOT_TOKEN=123456789:AAFakeTelegramTokenForTheSample000000
        export WORKING_DIR=/home/x
        """

    @Test func literalSecretsMoveAndCommentsStay() throws {
        let split = try ConfigSplitter.split(configText: Self.config, configPath: "config.yml", envText: Self.env,
                                             envPath: ".env", owner: "maurice")
        let moved = Dictionary(uniqueKeysWithValues: split.record.movedSecrets.map { ($0.path, $0.variable) })
        #expect(moved == [
            "telegram.webhook.signing_secret": "TELEGRAM_WEBHOOK_SIGNING_SECRET",
            "telegram.webhook.url": "TELEGRAM_WEBHOOK_URL",
            "tts.api_key": "TTS_API_KEY",
            "integrations[0].token": "INTEGRATIONS_0_TOKEN",
        ])
        for secret in ["literal-signing-secret-1", "pa55word", "sk-literal", "xoxb-111", "AAFake"] {
            #expect(!split.systemText.contains(secret))
            #expect(!(split.userText ?? "").contains(secret))
            #expect(split.secretsText.contains(secret))
        }
        #expect(split.systemText.hasPrefix("# Header comment of the admin.\n\ncomputer:\n  name: box          # shown in titles\n# about telegram\ntelegram:"))
        #expect(split.systemText.contains("signing_secret: ${TELEGRAM_WEBHOOK_SIGNING_SECRET}\n"))
        #expect(split.systemText.contains("  token: ${INTEGRATIONS_0_TOKEN}\n"))
        // tts holds a secret, so it stays in the system layer; ui and experiments go to the user.
        #expect(split.record.keys.filter { $0.layer == .user }.map(\.key) == ["ui", "experiments"])
        #expect(split.record.warnings.contains { $0.contains("tts stays in the system layer") })
        #expect(split.userText?.contains("  theme: dark        # user comment kept\n") == true)
        // Numbers under secret-looking names cannot become ${VAR}: they stay, with a warning.
        #expect(split.systemText.contains("max_token: 4096"))
        #expect(split.record.warnings.contains { $0.contains("limits.max_token") })
        #expect(split.record.secretNames.prefix(2) == ["TELEGRAM_BOT_TOKEN", "WORKING_DIR"])
        #expect(split.record.reemitted.isEmpty)
    }

    @Test("URLs with secret query parameters, webhook URLs and credentials inside URLs are secrets; the per-user layer gets none")
    func secretsInsideURLs() throws {
        let secrets = [
            "https://api.openai.com/v1?key=sk-proj-Fake_KeyInAQueryString0001",
            "https://hooks.slack.com/services/T0FAKE000/B0FAKE000/FakeWebhookSecretPart0001",
            "https://discord.com/api/webhooks/123456789012/FakeDiscordWebhookToken0001",
            "https://api.telegram.org/bot123456789:AAFakeTelegramTokenInsideAURL0000000/sendMessage",
            "https://maps.example.com/api?sig=fake-signature-0001&zoom=3",
        ]
        let config = """
            stt:
              services:
                openai:
                  base_url: \(secrets[0])   # pasted by hand
            hooks:
              slack: \(secrets[1])
              discord: \(secrets[2])
              telegram_notify: \(secrets[3])
            maps:
              url: \(secrets[4])
              plain: https://example.com/docs?page=2
            ui:
              theme: dark
            """
        let split = try ConfigSplitter.split(configText: config, configPath: "config.yml", envText: nil, envPath: ".env", owner: "maurice")
        for secret in secrets {
            #expect(!split.systemText.contains(secret), "\(secret) stayed in the system layer")
            #expect(!(split.userText ?? "").contains(secret), "\(secret) stayed in the per-user layer")
            #expect(split.secretsText.contains(secret))
        }
        #expect(split.systemText.contains("plain: https://example.com/docs?page=2"))
        #expect(split.record.warnings.contains { $0.contains("stt stays in the system layer") })
        #expect(split.record.keys.filter { $0.layer == .user }.map(\.key) == ["ui"])
        for warning in split.record.warnings { for secret in secrets { #expect(!warning.contains(secret)) } }
    }

    @Test("warnings, without values: ${VAR} the daemon will not have, ${HOME} paths into the system layer, .env keys set twice, no people:")
    func warningsAboutTheNewHome() throws {
        let config = """
            computer:
              workdir: ${HOME}/Projects
              cache: ~/cache
              token: ${UNDEFINED_ANYWHERE}
              shell_only: ${ONLY_IN_THE_SHELL}
              known: ${DEFINED_IN_ENV}
            ui:
              folder: ~/Pictures
            """
        let env = "DEFINED_IN_ENV=first-value-0001\nOTHER=1\nDEFINED_IN_ENV=second-value-0002\nWORKING_DIR=/home/maurice/work\nTILDE_DIR=~/x\nELSEWHERE=/srv/x\nBREW=$HOMEBREW_PREFIX/bin\n"
        let split = try ConfigSplitter.split(configText: config, configPath: "config.yml", envText: env, envPath: ".env", owner: "maurice",
                                             environment: ["ONLY_IN_THE_SHELL": "shell-value-0003", "HOME": "/home/maurice"])
        let warnings = split.record.warnings
        #expect(warnings.contains { $0.contains("computer.token uses ${UNDEFINED_ANYWHERE}") && $0.contains("neither .env nor the environment") })
        #expect(warnings.contains { $0.contains("computer.shell_only uses ${ONLY_IN_THE_SHELL}") && $0.contains("system daemon will not have it") })
        #expect(!warnings.contains { $0.contains("DEFINED_IN_ENV}") })
        #expect(warnings.contains { $0.contains("computer.workdir is a path in the user's home") })
        #expect(warnings.contains { $0.contains("computer.cache is a path in the user's home") })
        #expect(!warnings.contains { $0.contains("ui.folder") }, "the per-user layer stays in the user's home")
        #expect(warnings.contains { $0.contains(".env: DEFINED_IN_ENV is set on lines 1, 3; line 3 wins") })
        #expect(warnings.contains { $0.contains("no people: list") })
        #expect(warnings.contains { $0.hasPrefix("WORKING_DIR (.env) is a path in the user's home") && $0.contains("moving into secrets.yml") })
        #expect(warnings.contains { $0.hasPrefix("TILDE_DIR (.env) is a path in the user's home") })
        #expect(!warnings.contains { $0.contains("ELSEWHERE") || $0.contains("BREW") })
        #expect(split.secretsText.contains("second-value-0002") && !split.secretsText.contains("first-value-0001"))
        for warning in warnings {
            #expect(!warning.contains("value-000") && !warning.contains("/home/maurice"))
        }
    }

    @Test func theProofCatchesABrokenSplit() throws {
        let split = try ConfigSplitter.split(configText: Self.config, configPath: "config.yml", envText: Self.env,
                                             envPath: ".env", owner: "maurice")
        let original = try ConfigSplitter.parse(Self.config, path: "config.yml")
        let envValues = try EnvFile.parse(Self.env, path: ".env").values
        let paths = (system: "config.yml", secrets: "secrets.yml", user: "user.yml")
        #expect(try ConfigSplitter.differencesAfterSplit(original: original, env: envValues, systemText: split.systemText,
                                                         secretsText: split.secretsText, userText: split.userText, paths: paths).isEmpty)
        let broken = split.systemText.replacingOccurrences(of: "name: box", with: "name: other")
            .replacingOccurrences(of: "max_token: 4096", with: "max_token: '4096'")
        let lostSecret = split.secretsText.replacingOccurrences(of: "TTS_API_KEY", with: "TTS_API_KEX")
        let differences = try ConfigSplitter.differencesAfterSplit(original: original, env: envValues, systemText: broken,
                                                                   secretsText: lostSecret, userText: nil, paths: paths)
        #expect(differences == ["computer.name", "experiments", "limits.max_token", "tts.api_key", "ui"])
    }

    @Test func aFlowStyleFileIsReemittedAndStillProven() throws {
        let split = try ConfigSplitter.split(configText: "{computer: {name: a}, ui: {theme: dark}, redis: {password: hunter2hunter2}}\n",
                                             configPath: "config.yml", envText: nil, envPath: ".env", owner: "u")
        #expect(split.record.reemitted == ["config.yml (system layer)", "per-user config.yml"])
        #expect(!split.systemText.contains("hunter2"))
        #expect(split.record.movedSecrets.map(\.variable) == ["REDIS_PASSWORD"])
    }

    @Test func anEnvNameIsReusedOnlyForTheSameValue() throws {
        let split = try ConfigSplitter.split(
            configText: "redis:\n  password: same-value\nsmtp:\n  password: other-value\n", configPath: "c",
            envText: "REDIS_PASSWORD=same-value\nSMTP_PASSWORD=taken\n", envPath: "e", owner: "u")
        #expect(split.record.movedSecrets.map(\.variable) == ["REDIS_PASSWORD", "SMTP_PASSWORD_2"])
        let secrets = try SecretsFile.parse(split.secretsText, path: "s")
        #expect(secrets == ["REDIS_PASSWORD": "same-value", "SMTP_PASSWORD": "taken", "SMTP_PASSWORD_2": "other-value"])
    }

    @Test func invalidYAMLIsNamedWithoutEchoingTheLine() {
        do {
            _ = try ConfigSplitter.split(configText: "a:\n  token: hunter2secret\n b: [\n", configPath: "/c.yml",
                                         envText: nil, envPath: "e", owner: "u")
            Issue.record("accepted")
        } catch {
            #expect("\(error)".contains("/c.yml is not valid YAML"))
            #expect("\(error)".contains("line"))
            #expect(!"\(error)".contains("hunter2"))
        }
    }

    @Test func perUserRules() {
        let value = ConfigValue(try! Yams.compose(yaml: "ui:\n  theme: dark\n  slack_token: abc\ncomputer: {}\n")!, environment: nil)
        #expect(ConfigLayer.userLayerProblems(value) == ["computer is not a per-user key", "ui.slack_token looks like a secret"])
    }
}
