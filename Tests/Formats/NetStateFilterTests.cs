using Engine.Formats;
using Engine.Proto;
using NUnit.Framework;

namespace Engine.Tests.Formats;

public class NetStateFilterTests
{
    private static NetState State(Phase phase, int level = 0, params string[] stages)
    {
        var state = new NetState { Phase = phase, Level = level };
        state.Stage.Add(stages);
        return state;
    }

    [Test]
    public void PhaseRulesSelectTrainAndTestLayers()
    {
        var net = NetDefinitions.LoadNet(FormatsFixtures.PathOf("lenet_train_test.prototxt"));
        var train = NetStateFilter.Filter(net, State(Phase.Train));
        var test = NetStateFilter.Filter(net, State(Phase.Test));
        Assert.That(train.Layer.Select(l => l.Name), Is.EqualTo(new[] { "digits", "conv1", "pool1", "conv2", "pool2", "ip1", "relu1", "ip2", "loss" }));
        Assert.That(train.Layer[0].DataParam.Source, Does.Contain("train"));
        Assert.That(test.Layer.Select(l => l.Name), Does.Contain("accuracy"));
        Assert.That(test.Layer[0].DataParam.Source, Does.Contain("test"));
        Assert.That(net.Layer, Has.Count.EqualTo(11), "the input is not modified");
        Assert.That(train.Name, Is.EqualTo(net.Name));
    }

    [Test]
    public void StagesAndExcludeRules()
    {
        var net = NetDefinitions.LoadNet(FormatsFixtures.PathOf("autoencoder.prototxt"));
        var testOnTrain = NetStateFilter.Filter(net, State(Phase.Test, 0, "test-on-train"));
        Assert.That(testOnTrain.Layer.Count(l => l.Name == "data"), Is.EqualTo(1));
        Assert.That(testOnTrain.Layer[0].DataParam.Source, Does.Contain("train"));
        Assert.That(testOnTrain.Layer.Select(l => l.Top[0]), Does.Contain("l2_error"));
        var train = NetStateFilter.Filter(net, State(Phase.Train));
        Assert.That(train.Layer.Select(l => l.Top[0]), Does.Not.Contain("l2_error"));
        var noStage = NetStateFilter.Filter(net, State(Phase.Test));
        Assert.That(noStage.Layer.Count(l => l.Name == "data"), Is.EqualTo(0));
    }

    [TestCase(Phase.Train, 0, new string[0], true)]
    [TestCase(Phase.Test, 0, new string[0], false)]
    [TestCase(Phase.Train, 1, new string[0], false)]
    [TestCase(Phase.Train, -1, new string[0], false)]
    [TestCase(Phase.Train, 0, new[] { "a", "b" }, true)]
    [TestCase(Phase.Train, 0, new[] { "b" }, false)]
    [TestCase(Phase.Train, 0, new[] { "a", "x" }, false)]
    public void RuleConditionsAllMustHold(Phase phase, int level, string[] stages, bool expected)
    {
        // Requires phase TRAIN, level in [0, 0], stage "a" present unless stages are empty, and "x" absent.
        var rule = new NetStateRule { Phase = Phase.Train, MinLevel = 0, MaxLevel = 0 };
        if (stages.Length > 0)
        {
            rule.Stage.Add("a");
        }

        rule.NotStage.Add("x");
        Assert.That(NetStateFilter.StateMeetsRule(State(phase, level, stages), rule), Is.EqualTo(expected));
    }

    [Test]
    public void EmptyRuleAlwaysMatchesAndUnsetPhaseMatchesAnyPhase()
    {
        Assert.That(NetStateFilter.StateMeetsRule(State(Phase.Test), new NetStateRule()), Is.True);
        Assert.That(NetStateFilter.StateMeetsRule(State(Phase.Train, 5), new NetStateRule { MinLevel = 3 }), Is.True);
        Assert.That(NetStateFilter.StateMeetsRule(State(Phase.Train, 2), new NetStateRule { MinLevel = 3 }), Is.False);
    }

    [Test]
    public void IncludeRulesAreOredTogether()
    {
        var net = Prototxt.Parse<NetParameter>(
            "layer { name: 'both' include { phase: TRAIN } include { stage: 'deploy' } } layer { name: 'never' include { min_level: 10 } }");
        Assert.That(NetStateFilter.Filter(net, State(Phase.Test, 0, "deploy")).Layer.Select(l => l.Name), Is.EqualTo(new[] { "both" }));
        Assert.That(NetStateFilter.Filter(net, State(Phase.Test)).Layer, Is.Empty);
    }

    [Test]
    public void IncludeAndExcludeOnOneLayerIsAnErrorNamingTheLayer()
    {
        var net = Prototxt.Parse<NetParameter>("layer { name: 'confused' include { phase: TRAIN } exclude { phase: TEST } }");
        var ex = Assert.Throws<NetDefinitionException>(() => NetStateFilter.Filter(net, State(Phase.Train)))!;
        Assert.That(ex.Message, Does.Contain("'confused'"));
    }
}
