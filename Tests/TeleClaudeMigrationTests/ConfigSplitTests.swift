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
