using Engine.Distributed;

namespace Engine.Solvers;

public abstract partial class Solver
{
    private IGradientReducer? _reducer;
    private bool _reducerSynchronized;

    /// <summary>
    /// Set for data-parallel training: the solver then lets the reducer run forward/backward and average the gradients
    /// over replicas before every update, starts from the root replica's state, and only the root tests and snapshots.
    /// </summary>
    public IGradientReducer? GradientReducer
    {
        get => _reducer;
        set
        {
            _reducer = value;
            _reducerSynchronized = false;
        }
    }

    /// <summary>True unless this is a non-root replica of data-parallel training (which neither tests nor snapshots).</summary>
    public bool IsRoot => _reducer?.IsRoot ?? true;

    /// <summary>Sets the iteration and schedule position (a replica taking the root's state).</summary>
    internal void SetProgress(int iter, int currentStep)
    {
        Iter = iter;
        CurrentStep = currentStep;
    }

    private void SynchronizeReplicas()
    {
        if (_reducer is not null && !_reducerSynchronized)
        {
            _reducer.Synchronize(this);
            _reducerSynchronized = true;
        }
    }

    private float ForwardBackwardPasses()
    {
        float loss = 0f;
        for (int i = 0; i < Param.IterSize; i++)
        {
            // Only the last pass may start reducing: earlier passes keep accumulating into the same diffs.
            loss += _reducer is not null && i == Param.IterSize - 1 ? _reducer.ForwardBackward(Net) : Net.ForwardBackward();
        }
        loss /= Param.IterSize;
        return _reducer is null ? loss : _reducer.Reduce(Net, loss, Iter);
    }
}
